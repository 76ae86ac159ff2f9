import type { CallTranscript, TranscriptLine } from '../queries/transcript.js';
import type { ResolvedAnalysis } from './options.js';

/** `mm:ss` from the call's start. */
const clock = (ms: number): string => {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};

const lineOf = (l: TranscriptLine, startedAt: number): string => {
  const at = `[${clock(l.createdAt - startedAt)}]`;
  if (l.role === 'tool') return `${at} tool ${l.toolName ?? 'call'}(${l.toolArguments ?? ''}) -> ${l.content}`;
  return `${at} ${l.role === 'assistant' ? 'agent' : l.role}: ${l.content}${l.interrupted ? ' [interrupted]' : ''}`;
};

/**
 * The transcript as the analysis LLM reads it: one line per stored message (`[mm:ss] user: …`,
 * `agent`, `tool name(args) -> output`). Longer than `maxChars`, its middle is left out (said so).
 */
export function transcriptText(t: CallTranscript, maxChars: number): string {
  const text = t.lines.map((l) => lineOf(l, t.startedAt)).join('\n');
  if (text.length <= maxChars) return text;
  const half = Math.floor((maxChars - 40) / 2);
  return `${text.slice(0, half)}\n[… ${text.length - 2 * half} characters left out …]\n${text.slice(-half)}`;
}

/**
 * The last message of every analysis request, after the transcript: the same words for every call.
 *
 * @remarks
 * The request is the system prompt (what to answer, the criteria, the schema: the same for every
 * call of a configuration), a user message with the call's transcript, then this message, so the
 * task comes after the long transcript. A test double that answers by the last user message, such
 * as `@livekit/agents`' `voice.testing.FakeLLM`, can answer every analysis:
 * `new voice.testing.FakeLLM([{ input: ANALYSIS_REQUEST, content: '{"summary": …}' }])`.
 */
export const ANALYSIS_REQUEST = 'Review the call transcript above and answer with the JSON object described in your instructions.';

/** The user message that carries the call's transcript (before {@link ANALYSIS_REQUEST}). */
export const transcriptMessage = (t: CallTranscript, maxChars: number): string => `Transcript:\n${transcriptText(t, maxChars)}`;

/** The system prompt: what to answer, as one JSON object. `schemaJson` describes the fields. */
export function systemPrompt(a: ResolvedAnalysis, schemaJson: string | null): string {
  const keys: string[] = [];
  if (a.summary) keys.push('  "summary": a summary of the call in one to three sentences (string)');
  if (a.criteria !== null) {
    keys.push('  "verdict": "pass" if the call meets the success criteria, "fail" if it does not, "unclear" if the transcript cannot tell');
    keys.push('  "reason": why, in one sentence (string)');
  }
  if (schemaJson !== null) keys.push(`  "fields": the information asked for, as an object that matches this JSON Schema:\n${schemaJson}`);
  const parts = [
    'You review the transcript of a call between a voice AI agent and a caller, after the call ended.',
    'Answer with one JSON object and nothing else (no code fences, no text around it), with these keys:',
    keys.join('\n'),
  ];
  if (a.criteria !== null) parts.push(`Success criteria:\n${a.criteria}`);
  if (a.instructions !== null) parts.push(a.instructions);
  parts.push('Use only what the transcript says; where it does not say, use null.');
  return parts.join('\n\n');
}
