import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { endpointIdOf } from '../../src/config/webhooks.js';
import { storeOverrides } from '../../src/plugin/config.js';
import { signWebhookPayload, verifyWebhookSignature } from '../../src/webhooks/signature.js';

const SECRET = 'whsec-config-0123456789';
const URL_A = 'https://crm.example.com/hooks/calls';

describe('webhook configuration', () => {
  it('given webhooks in agent.config.ts, when resolved, then each endpoint gets its defaults: every event, no transcript, an id from its URL', () => {
    const c = loadConfig(storeOverrides({ webhooks: [{ url: URL_A, secret: SECRET }] }, {}), {});
    expect(c.webhooks).toEqual([
      { id: endpointIdOf(URL_A), url: URL_A, secret: SECRET, events: ['call_ended', 'analysis_completed'], includeTranscript: false },
    ]);
    expect(loadConfig({}, {}).webhooks).toEqual([]);
  });

  it('given the environment variables, then they win over the file, and an explicit option wins over both', () => {
    const env = {
      CONVERSATION_LOG_WEBHOOK_URL: 'https://env.example.com/h',
      CONVERSATION_LOG_WEBHOOK_SECRET: SECRET,
      CONVERSATION_LOG_WEBHOOK_TRANSCRIPT: 'true',
    };
    const fromFile = storeOverrides({ webhooks: [{ url: URL_A, secret: SECRET }] }, env);
    expect(loadConfig(fromFile, env).webhooks).toMatchObject([{ url: 'https://env.example.com/h', includeTranscript: true }]);
    expect(loadConfig({ webhooks: [{ url: URL_A, secret: SECRET, id: 'crm' }] }, env).webhooks).toMatchObject([{ id: 'crm', url: URL_A }]);
  });

  it.each([
    [{ webhooks: [{ url: 'ftp://x.example/h', secret: SECRET }] }, 'webhooks[0].url'],
    [{ webhooks: [{ url: URL_A, secret: 'short' }] }, 'webhooks[0].secret'],
    [{ webhooks: [{ url: URL_A, secret: SECRET, events: ['call_started'] }] }, 'webhooks[0].events'],
    [
      {
        webhooks: [
          { url: URL_A, secret: SECRET },
          { url: URL_A, secret: SECRET },
        ],
      },
      'webhooks[1].id',
    ],
  ])('given a bad endpoint %j, then CONFIG_INVALID names %s', (overrides, field) => {
    expect(() => loadConfig(overrides as never, {})).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', field }));
  });

  it('given a URL without a secret in the environment, then CONFIG_INVALID names CONVERSATION_LOG_WEBHOOK_SECRET', () => {
    expect(() => loadConfig({}, { CONVERSATION_LOG_WEBHOOK_URL: URL_A })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', field: 'CONVERSATION_LOG_WEBHOOK_SECRET' }),
    );
  });
});

describe('webhook signatures', () => {
  const body = '{"id":"whd_1","event":"call_ended"}';

  it('given a body signed at t, then it verifies within the tolerance and not past it', () => {
    const header = signWebhookPayload(SECRET, body, 1_800_000_000_000);
    expect(header).toMatch(/^t=1800000000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature({ payload: body, header, secret: SECRET, now: 1_800_000_000_000 + 60_000 })).toBe(true);
    expect(verifyWebhookSignature({ payload: Buffer.from(body), header, secret: SECRET, now: 1_800_000_000_000 })).toBe(true);
    expect(verifyWebhookSignature({ payload: body, header, secret: SECRET, now: 1_800_000_000_000 + 6 * 60_000 })).toBe(false);
    expect(verifyWebhookSignature({ payload: body, header, secret: SECRET, now: 0, toleranceMs: 0 })).toBe(true);
  });

  it('given a changed timestamp, a malformed header or no header, then it does not verify', () => {
    const header = signWebhookPayload(SECRET, body, 1_800_000_000_000);
    const now = 1_800_000_000_000;
    expect(
      verifyWebhookSignature({ payload: body, header: header.replace('t=1800000000000', 't=1800000000001'), secret: SECRET, now }),
    ).toBe(false);
    for (const bad of [undefined, '', 'v1=abc', 't=1800000000000', 'garbage'])
      expect(verifyWebhookSignature({ payload: body, header: bad, secret: SECRET, now })).toBe(false);
  });
});
