import { instructionsHash } from '../config/release.js';

/**
 * The instructions hash of a LiveKit `Agent` (its `instructions`, a string or an `Instructions`
 * object, and the names of the tools in its `toolCtx`), or null when it has no instructions.
 * Duck-typed: read once per conversation, never on the event path.
 */
export function agentInstructionsHash(agent: unknown): string | null {
  if (agent === null || typeof agent !== 'object') return null;
  const a = agent as { instructions?: unknown; toolCtx?: unknown };
  const instructions = instructionsText(a.instructions);
  if (instructions === null) return null;
  return instructionsHash(instructions, toolNames(a.toolCtx));
}

function instructionsText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (v === null || typeof v !== 'object') return null;
  const o = v as { audio?: unknown; text?: unknown; value?: unknown };
  // Both variants of LiveKit's Instructions: the audio one is what voice sessions send.
  if (typeof o.audio === 'string') return typeof o.text === 'string' && o.text !== o.audio ? `${o.audio}\u0000${o.text}` : o.audio;
  return typeof o.value === 'string' ? o.value : null;
}

function toolNames(ctx: unknown): string[] {
  if (ctx === null || typeof ctx !== 'object') return [];
  const c = ctx as { functionTools?: unknown; providerTools?: unknown };
  const names = c.functionTools !== null && typeof c.functionTools === 'object' ? Object.keys(c.functionTools) : [];
  if (Array.isArray(c.providerTools))
    for (const p of c.providerTools as Array<{ id?: unknown }>) if (typeof p?.id === 'string') names.push(`provider:${p.id}`);
  return names;
}

/** The hash of the agent a session runs now (`session.currentAgent`, which throws before start), or null. */
export function currentAgentHash(session: object): string | null {
  try {
    return agentInstructionsHash((session as { currentAgent?: unknown }).currentAgent);
  } catch {
    return null;
  }
}
