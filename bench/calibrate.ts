import { percentile } from './report.js';

/**
 * How fast this machine runs plain JavaScript right now, so runs on different machines (or on
 * one VM whose speed drifts) can be compared: a counting loop (ns per iteration) and
 * `JSON.stringify` of a message event's data (µs), each the median of 7 timed rounds.
 */
export function machineSpeed(): { loopNs: number; stringifyUs: number } {
  const loops: number[] = [];
  const stringifies: number[] = [];
  const data = {
    messageId: '0193a5c2-7f1e-7c3a-9b1d-2f6e8a4c0d11',
    conversationId: '0193a5c2-7f1e-7c3a-9b1d-2f6e8a4c0d12',
    role: 'assistant',
    content: 'Thanks, I found it. The Thursday flight at 9:40 has seats, shall I move you to it?',
    createdAt: 1_764_000_000_000,
    sttConfidence: null,
    processingTimeMs: 950,
    llmModel: 'gpt-4o-mini',
    llmTokensInput: 850,
    llmTokensOutput: 42,
    llmCostUsd: 0.000153,
    interrupted: false,
    metadata: { llmNodeTtftMs: 310, ttsNodeTtfbMs: 120, e2eLatencyMs: 950, e2eDerived: false },
  };
  let sink = 0;
  for (let round = 0; round < 7; round++) {
    let t0 = performance.now();
    for (let i = 0; i < 20_000_000; i++) sink += i & 7;
    loops.push(((performance.now() - t0) * 1e6) / 20_000_000);
    t0 = performance.now();
    for (let i = 0; i < 20_000; i++) sink += JSON.stringify(data).length;
    stringifies.push(((performance.now() - t0) * 1000) / 20_000);
  }
  if (sink === -1) console.log(sink); // keeps the loops from being optimised away
  return { loopNs: percentile(loops, 50), stringifyUs: percentile(stringifies, 50) };
}
