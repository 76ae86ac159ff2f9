import { initializeLogger, llm, voice } from '@livekit/agents';
import { describe, expect, it } from 'vitest';
import { SessionMapper } from '../../src/plugin/mapper.js';
import { snapshotEvent, type SessionEventLike } from '../../src/plugin/snapshot.js';

// The snapshot: LiveKit's session events, driven by @livekit/agents' own factories, copied into
// the typed union the mapper routes.

initializeLogger({ pretty: false, level: 'silent' });

const T0 = Date.UTC(2026, 11, 2, 12, 0, 0);
const like = (e: unknown) => e as SessionEventLike;

describe('snapshotEvent', () => {
  it('given a chat message, copies its text, times and metrics as the message variant, without the live object', () => {
    const message = llm.ChatMessage.create({ role: 'user', content: ['Hello', 'there'], createdAt: T0, interrupted: false });
    const snap = snapshotEvent(like(voice.createConversationItemAddedEvent(message, T0 + 5)));
    expect(snap).toEqual({
      type: 'conversation_item_added',
      createdAt: T0 + 5,
      item: {
        type: 'message',
        id: message.id,
        role: 'user',
        content: 'Hello\nthere',
        createdAt: T0,
        interrupted: false,
        transcriptConfidence: null,
        metrics: message.metrics,
      },
    });
    expect(snap.type === 'conversation_item_added' && snap.item).not.toBeInstanceOf(llm.ChatMessage);
  });

  it('given state changes, transcripts and a close, copies each as its own variant', () => {
    expect(snapshotEvent(like(voice.createAgentStateChangedEvent('listening', 'thinking', T0)))).toEqual({
      type: 'agent_state_changed',
      createdAt: T0,
      oldState: 'listening',
      newState: 'thinking',
    });
    expect(snapshotEvent(like(voice.createUserInputTranscribedEvent({ transcript: 'hi', isFinal: false, createdAt: T0 })))).toEqual({
      type: 'user_input_transcribed',
      createdAt: T0,
      isFinal: false,
    });
    expect(snapshotEvent(like(voice.createCloseEvent(voice.CloseReason.USER_INITIATED, null, T0)))).toEqual({
      type: 'close',
      createdAt: T0,
      reason: 'user_initiated',
      error: null,
    });
  });

  it('given an event it does not interpret, keeps it as `other` under its LiveKit name, as a plain copy without type and time', () => {
    const snap = snapshotEvent({ type: 'overlapping_speech', createdAt: T0, detectedAt: T0 - 10, nested: { a: 1 } });
    expect(snap).toEqual({ type: 'other', name: 'overlapping_speech', createdAt: T0, payload: { detectedAt: T0 - 10, nested: { a: 1 } } });
  });

  it("given a speech, keeps its id and LiveKit's growing list of items, not the handle", () => {
    const handle = voice.SpeechHandle.create();
    const snap = snapshotEvent(
      like(voice.createSpeechCreatedEvent({ userInitiated: true, source: 'say', speechHandle: handle, createdAt: T0 })),
    );
    expect(snap).toMatchObject({ type: 'speech_created', speechId: handle.id, userInitiated: true, source: 'say' });
    expect(snap.type === 'speech_created' && snap.chatItems).toBe(handle.chatItems);
    expect(Object.values(snap)).not.toContain(handle);
  });
});

describe('SessionMapper.mapSnapshot', () => {
  it('given snapshots taken in the listener, maps them as map() maps the events themselves, though LiveKit changed them since', () => {
    const events = [
      voice.createAgentStateChangedEvent('initializing', 'listening', T0),
      voice.createConversationItemAddedEvent(
        llm.ChatMessage.create({ role: 'user', content: 'Book a table', createdAt: T0 + 10 }),
        T0 + 10,
      ),
      { type: 'overlapping_speech', createdAt: T0 + 20, detectedAt: T0 + 15 },
      voice.createCloseEvent(voice.CloseReason.USER_INITIATED, null, T0 + 30),
    ].map(like);
    let a = 0;
    let b = 0;
    const direct = new SessionMapper({ callId: 'c', newId: () => `id-${++a}` });
    const later = new SessionMapper({ callId: 'c', newId: () => `id-${++b}` });
    const expected = events.flatMap((e) => direct.map(e));
    const snapshots = events.map(snapshotEvent);
    // LiveKit's objects change after the listener returned: the snapshots do not.
    for (const e of events) (e as Record<string, unknown>)['newState'] = 'speaking';
    expect(snapshots.flatMap((s) => later.mapSnapshot(s))).toEqual(expected);
    expect(expected.map((e) => e.type)).toEqual([
      'conversation_started',
      'session_event',
      'message_added',
      'session_event',
      // The user spoke last: the close ends that turn unanswered.
      'turn_completed',
      'conversation_ended',
      'call_ended',
    ]);
    expect(expected[1]).toMatchObject({
      data: { name: 'agent_state_changed', payload: { oldState: 'initializing', newState: 'listening' } },
    });
    expect(expected[3]).toMatchObject({ data: { name: 'overlapping_speech', payload: { detectedAt: T0 + 15 } } });
    expect(expected[4]).toMatchObject({ data: { outcome: 'session_closed' } });
  });
});
