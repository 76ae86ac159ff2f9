import { describe, expect, it } from 'vitest';
import { eventRedactor, hashNumber, maskNumber } from '../../src/redact/redact-event.js';
import { luhnValid, redactText } from '../../src/redact/patterns.js';
import { createCallStartedEvent, createToolExecutedEvent } from '../../src/events/create.js';

describe('built-in redactor', () => {
  it('replaces phone numbers, e-mail addresses and Luhn-valid card numbers, and nothing else', () => {
    expect(redactText('Call me on +1 (555) 987-6543 or 0044 20 7946 0958, please')).toBe('Call me on [PHONE] or [PHONE], please');
    expect(redactText('My e-mail is Jane.Doe+work@example.co.uk.')).toBe('My e-mail is [EMAIL].');
    expect(redactText('Card 4111 1111 1111 1111, expiry 12/27')).toBe('Card [CARD], expiry 12/27');
    expect(redactText('card 5500-0000-0000-0004')).toBe('card [CARD]');
    expect(luhnValid('4111 1111 1111 1112')).toBe(false);
    // Short numbers, times, prices and order references stay.
    expect(redactText('Flight LK 204 at 09:40 on 2026-12-01, seat 14C, $140, order #4521')).toBe(
      'Flight LK 204 at 09:40 on 2026-12-01, seat 14C, $140, order #4521',
    );
    expect(redactText('no digits here')).toBe('no digits here');
  });

  it('masks or hashes the caller number, idempotently', () => {
    expect(maskNumber('+15551230100')).toBe('+•••••••0100');
    expect(maskNumber(maskNumber('+15551230100'))).toBe('+•••••••0100');
    const h = hashNumber('+1 555 123 0100', 'salt');
    expect(h).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(hashNumber('+15551230100', 'salt')).toBe(h); // the same number, however written
    expect(hashNumber(h, 'salt')).toBe(h);
    expect(hashNumber('+15551230100', 'other')).not.toBe(h);
  });

  it('redacts every free-text field of an event and leaves ids alone', () => {
    const redact = eventRedactor({ redact: true, callerNumber: 'mask' })!;
    const started = redact(
      createCallStartedEvent({
        callId: 'call-+15551230100',
        occurredAt: 1,
        callerNumber: '+15551230100',
        livekitRoom: 'room',
        metadata: { note: 'mail bob@example.com' },
      }),
    );
    expect(started.callId).toBe('call-+15551230100');
    expect(started.data).toMatchObject({ callerNumber: '+•••••••0100', metadata: { note: 'mail [EMAIL]' } });
    const tool = redact(
      createToolExecutedEvent({
        occurredAt: 1,
        messageId: 'm',
        conversationId: 'c',
        toolCallId: 't',
        name: 'pay',
        arguments: '{"card":"4111111111111111"}',
        output: 'sent to bob@example.com',
        durationMs: 1,
        createdAt: 1,
      }),
    );
    expect(tool.data).toMatchObject({ arguments: '{"card":"[CARD]"}', output: 'sent to [EMAIL]' });
    expect(eventRedactor({})).toBeNull();
    expect(eventRedactor({ redact: false, callerNumber: 'keep' })).toBeNull();
  });
});
