import { ScriptedLLM } from './scripted-llm.js';

/** The JSON answer of an analysis LLM: summary, verdict, reason and fields. */
export const analysisAnswer = (o: { summary?: string; verdict?: string; reason?: string; fields?: unknown }) => JSON.stringify(o);

/**
 * An analysis LLM (priced model gpt-4o-mini) that gives the scripted answers in turn, each with
 * 1 200 prompt and 80 completion tokens; `ttftMs` makes one slow.
 */
export const analysisLLM = (answers: Array<string | { content: string; ttftMs: number }>) =>
  new ScriptedLLM(
    answers.map((a) =>
      typeof a === 'string'
        ? { content: a, usage: { promptTokens: 1200, completionTokens: 80 } }
        : { content: a.content, ttftMs: a.ttftMs, usage: { promptTokens: 1200, completionTokens: 80 } },
    ),
  );
