import { Plugin } from '@livekit/agents';
import type { EventEmitter } from 'node:events';
import fs from 'node:fs';
import { expect, it } from 'vitest';

it('registers itself with @livekit/agents on import, as agents-js plugin packages do', async () => {
  const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { name: string; version: string };
  const seen: Plugin[] = [];
  const onRegistered = (p: Plugin) => void seen.push(p);
  const emitter = Plugin.emitter as unknown as EventEmitter;
  emitter.on('plugin_registered', onRegistered);
  const api = await import('../../src/index.js');
  emitter.off('plugin_registered', onRegistered);

  const ours = Plugin.registeredPlugins.filter((p) => p.package === pkg.name);
  expect(ours).toHaveLength(1);
  expect(ours[0]).toBeInstanceOf(api.ConversationLogPlugin);
  expect(ours[0]!.version).toBe(pkg.version);
  expect(seen).toContain(ours[0]);
});
