import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConversationLogError } from '../errors.js';
import type { ConversationLogConfig } from '../plugin/config.js';

/** Names `convlog` looks for in the working directory, in order. */
export const CONFIG_FILES = ['agent.config.ts', 'agent.config.mts', 'agent.config.js', 'agent.config.mjs'];

/**
 * The plugin configuration `convlog` reads, as the agent does: `--config <file>`, else the first
 * of {@link CONFIG_FILES} in `cwd`, else none (environment and defaults only).
 *
 * @remarks
 * A TypeScript file is loaded through tsx (`tsx/esm/api`), which agents run with anyway; without
 * it, compile the file to `.js` or pass `--config` a JavaScript file.
 * @throws ConversationLogError `CONFIG_INVALID` when the file is missing, fails to load or has no default export.
 */
export async function loadConfigFile(
  explicit: string | undefined,
  cwd = process.cwd(),
): Promise<{ file: string | null; config: ConversationLogConfig }> {
  const file = explicit ? path.resolve(cwd, explicit) : (CONFIG_FILES.map((f) => path.join(cwd, f)).find((f) => fs.existsSync(f)) ?? null);
  if (file === null) return { file: null, config: {} };
  if (!fs.existsSync(file))
    throw new ConversationLogError('CONFIG_INVALID', `--config: no such file ${file}. Pass the path of your agent.config.ts.`, {
      field: 'config',
    });
  let mod: { default?: unknown };
  try {
    if (/\.m?ts$/.test(file)) {
      let api: { tsImport: (specifier: string, parent: string) => Promise<unknown> };
      try {
        api = await import('tsx/esm/api');
      } catch {
        throw new ConversationLogError(
          'CONFIG_INVALID',
          `${path.basename(file)} is TypeScript and tsx is not installed: run "npm install -D tsx", or compile it to agent.config.js.`,
          { field: 'config' },
        );
      }
      mod = (await api.tsImport(pathToFileURL(file).href, import.meta.url)) as { default?: unknown };
    } else {
      mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
    }
  } catch (error) {
    if (error instanceof ConversationLogError) throw error;
    throw new ConversationLogError('CONFIG_INVALID', `Cannot load ${file}: ${(error as Error).message}. Fix the file or pass --config.`, {
      field: 'config',
      cause: error,
    });
  }
  let config = mod.default;
  // A .ts file outside an ESM package loads as CommonJS: its default export arrives wrapped once more.
  if (config !== null && typeof config === 'object' && 'default' in config && Object.keys(config).length <= 2) config = config.default;
  if (config === null || typeof config !== 'object')
    throw new ConversationLogError('CONFIG_INVALID', `${file} must export default defineConversationLogConfig({ … }).`, {
      field: 'config',
    });
  return { file, config: config };
}
