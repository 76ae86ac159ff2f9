import { EventEmitter } from 'node:events';
import { runHandedOn } from '../src/store/after-listener.js';
import { attachConversationLog } from '../src/plugin/attach.js';
import type { EventSink } from '../src/store/sink.js';
import { TURN_MS } from './calls.js';
import { closeEvent, turnEvents, type SessionEvent } from './workload.js';

/**
 * The listener's own cost, without the rest of an agent competing for the thread: `calls`
 * sessions, each recorded by `attachConversationLog` into `sink`, emit the same LiveKit events
 * as the load run (turns of about 20 events, then `close`), back to back, the event loop turning
 * every 100 events so the writer hands batches over as it would. Returns µs per emit (the
 * listener: copy and hand on) and µs per event of the work it handed on (map + enqueue), run
 * right after each emit instead of once per loop turn so each event's share can be timed.
 */
export async function isolatedListener(
  sink: EventSink,
  calls: number,
  turnsPerCall: number,
  prefix = 'isolated',
): Promise<{ listenerUs: Float64Array; mapUs: Float64Array }> {
  const events: Array<[EventEmitter, SessionEvent]> = [];
  for (let c = 0; c < calls; c++) {
    const session = new EventEmitter();
    await attachConversationLog(session, undefined, { callId: `${prefix}-${c}`, sink, room: `room-${prefix}-${c}` });
    let at = Date.now();
    for (let t = 0; t < turnsPerCall; t++, at += TURN_MS) for (const ev of turnEvents(t, at)) events.push([session, ev]);
    events.push([session, closeEvent(at)]);
  }
  const listenerUs = new Float64Array(events.length);
  const mapUs = new Float64Array(events.length);
  for (let i = 0; i < events.length; i++) {
    const [session, ev] = events[i]!;
    const t0 = performance.now();
    session.emit(ev.type, ev);
    const t1 = performance.now();
    runHandedOn();
    mapUs[i] = (performance.now() - t1) * 1000;
    listenerUs[i] = (t1 - t0) * 1000;
    if (i % 100 === 99) await new Promise((r) => setImmediate(r));
  }
  return { listenerUs, mapUs };
}
