import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';

// The package as an agent gets it: `npm pack` (prepack builds dist), the tarball unpacked into a
// scratch agent's node_modules next to @livekit/agents (this checkout's installed copies, linked:
// offline), imported, attached to a session, and `npx convlog --help` run there.
describe('npm pack', () => {
  it('makes a tarball an agent can install, import, attach to a session and run convlog from', () => {
    const agent = fs.mkdtempSync(path.join(inject('tmpDir'), 'agent-'));
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', agent], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const tarball = path.join(agent, (JSON.parse(out) as Array<{ filename: string }>)[0]!.filename);
    expect(path.basename(tarball)).toBe('livekit-conversation-log-0.1.0.tgz');

    const modules = path.join(agent, 'node_modules');
    const own = path.join(modules, 'livekit-conversation-log');
    fs.mkdirSync(own, { recursive: true });
    execFileSync('tar', ['-xzf', tarball, '-C', own, '--strip-components', '1']);
    expect(fs.existsSync(path.join(own, 'dist', 'src', 'index.js'))).toBe(true);
    for (const name of fs.readdirSync(path.resolve('node_modules'))) {
      if (name === '.bin' || name === 'livekit-conversation-log' || name.startsWith('.')) continue;
      fs.symlinkSync(path.resolve('node_modules', name), path.join(modules, name));
    }
    // What npm install does with the package's "bin".
    const bin = JSON.parse(fs.readFileSync(path.join(own, 'package.json'), 'utf8')).bin.convlog as string;
    fs.mkdirSync(path.join(modules, '.bin'));
    fs.symlinkSync(path.join('..', 'livekit-conversation-log', bin), path.join(modules, '.bin', 'convlog'));
    fs.chmodSync(path.join(own, bin), 0o755);
    fs.writeFileSync(path.join(agent, 'package.json'), JSON.stringify({ name: 'scratch-agent', type: 'module', private: true }));
    fs.writeFileSync(
      path.join(agent, 'agent.mjs'),
      `import { initializeLogger, voice } from '@livekit/agents';
import { attachConversationLog } from 'livekit-conversation-log';
initializeLogger({ pretty: false, level: 'silent' });
const session = new voice.AgentSession({});
const log = await attachConversationLog(session, undefined, { callId: 'call-packed', room: 'room-packed' });
await log.close();
console.log(JSON.stringify({ callId: log.callId, ok: true }));
process.exit(0);
`,
    );
    const env = { ...process.env, DATABASE_URL: `sqlite:${path.join(agent, 'calls.db')}`, LOG_LEVEL: 'error' };
    const ran = execFileSync('node', ['agent.mjs'], { cwd: agent, env, encoding: 'utf8' });
    expect(JSON.parse(ran.trim().split('\n').at(-1)!)).toEqual({ callId: 'call-packed', ok: true });
    const help = execFileSync('npx', ['--no-install', 'convlog', '--help'], { cwd: agent, env, encoding: 'utf8' });
    expect(help).toMatch(/^Usage: convlog <command>/);
    const calls = JSON.parse(execFileSync('npx', ['--no-install', 'convlog', 'calls', '--json'], { cwd: agent, env, encoding: 'utf8' }));
    expect(calls.rows.map((r: { id: string }) => r.id)).toEqual(['call-packed']);
  }, 180_000);
});
