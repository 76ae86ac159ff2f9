import type { NewEvent } from '../src/events/types.js';
import { SessionMapper } from '../src/plugin/mapper.js';
import { closeEvent, turnEvents } from './workload.js';
import { createCallStartedEvent } from '../src/events/create.js';

export const TURNS_PER_CALL = 10;
/** A turn every 2 s of a real call. */
export const TURN_MS = 2_000;

/**
 * The events the plugin would append for `calls` calls of {@link TURNS_PER_CALL} turns each,
 * mapped by the real {@link SessionMapper} from LiveKit's own event factories (about 17 log
 * events per turn). Call `i` starts at `startedAt + i * spacingMs`; the calls' events are merged
 * by time (each call's own order kept), as concurrent calls reach a store.
 */
export function mappedCalls(calls: number, startedAt: number, spacingMs = 0, prefix = 'call'): NewEvent[] {
  const streams: NewEvent[][] = [];
  for (let c = 0; c < calls; c++) streams.push(callEvents(`${prefix}-${c}`, startedAt + c * spacingMs));
  return mergeByTime(streams);
}

/** k-way merge of event streams by `occurredAt` of their heads; each stream's order is kept. */
export function mergeByTime(streams: readonly NewEvent[][]): NewEvent[] {
  const heads = streams.map(() => 0);
  const out: NewEvent[] = [];
  const total = streams.reduce((n, s) => n + s.length, 0);
  // A linear scan over the streams still running: fast enough for a few hundred calls.
  let live = streams.map((_, i) => i);
  while (out.length < total) {
    let best = -1;
    let bestAt = Infinity;
    for (const i of live) {
      const at = streams[i]![heads[i]!]!.occurredAt;
      if (at < bestAt) {
        best = i;
        bestAt = at;
      }
    }
    out.push(streams[best]![heads[best]!++]!);
    if (heads[best]! >= streams[best]!.length) live = live.filter((i) => i !== best);
  }
  return out;
}

/** One call's log events: start, `turns` turns, close. */
export function callEvents(callId: string, at: number, turns = TURNS_PER_CALL): NewEvent[] {
  const mapper = new SessionMapper({ callId });
  const out: NewEvent[] = [
    createCallStartedEvent({
      callId,
      occurredAt: at,
      callerNumber: '+15550100',
      livekitRoom: `room-${callId}`,
      jobId: `job-${callId}`,
      agentId: 'agent-1',
      agentName: 'bench-agent',
      agentsVersion: '1.9.0',
    }),
  ];
  for (let t = 0; t < turns; t++) for (const e of turnEvents(t, at + t * TURN_MS)) out.push(...mapper.map(e));
  out.push(...mapper.map(closeEvent(at + turns * TURN_MS)));
  return out;
}
