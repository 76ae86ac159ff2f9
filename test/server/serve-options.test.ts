import { describe, expect, it } from 'vitest';
import { describeServing, resolveServeOptions } from '../../src/server/index.js';

describe('convlog serve options', () => {
  it('defaults to 127.0.0.1:4317 without a token', () => {
    expect(resolveServeOptions({}, {})).toEqual({ host: '127.0.0.1', port: 4317, token: undefined });
  });

  it('takes the token from --token, else CONVLOG_TOKEN', () => {
    expect(resolveServeOptions({ token: 'flag-token-0123456789' }, { CONVLOG_TOKEN: 'env-token-0123456789' }).token).toBe(
      'flag-token-0123456789',
    );
    expect(resolveServeOptions({}, { CONVLOG_TOKEN: 'env-token-0123456789' }).token).toBe('env-token-0123456789');
    expect(resolveServeOptions({ port: '8080', host: '0.0.0.0' }, {})).toEqual({ host: '0.0.0.0', port: 8080, token: undefined });
  });

  it('rejects ports that are not 0–65535', () => {
    for (const port of ['-1', '65536', 'http', '80x', '']) expect(() => resolveServeOptions({ port }, {})).toThrow(/port/);
  });

  it('never prints the token', () => {
    const text = describeServing('http://0.0.0.0:4317/', { host: '0.0.0.0', port: 4317, token: 'secret-token-0123456789' }).join('\n');
    expect(text).not.toContain('secret-token');
    expect(text).toContain('?token=<your token>');
  });
});
