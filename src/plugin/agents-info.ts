/** Event types of @livekit/agents 1.9; the installed version's list is added at attach time. */
export const KNOWN_EVENTS = [
  'user_input_transcribed',
  'user_transcription_timeout',
  'agent_state_changed',
  'user_state_changed',
  'conversation_item_added',
  'function_tools_executed',
  'metrics_collected',
  'session_usage_updated',
  'debug_message',
  'speech_created',
  'agent_false_interruption',
  'overlapping_speech',
  'eot_prediction',
  'error',
  'close',
];

let agentsInfo: Promise<{ version: string | null; events: string[] }> | null = null;

/** The installed @livekit/agents version and event types, read once (null/known list if absent). */
export function loadAgentsInfo(): Promise<{ version: string | null; events: string[] }> {
  agentsInfo ??= import('@livekit/agents').then(
    (m) => ({
      version: typeof m.version === 'string' ? m.version : null,
      events: Object.values(m.voice.AgentSessionEventTypes),
    }),
    () => ({ version: null, events: [] }),
  );
  return agentsInfo;
}
