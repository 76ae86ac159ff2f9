import { describe, expect, it } from 'vitest';
import { newEventId } from '../../src/store/event-id.js';

describe('event ids', () => {
  it('are UUIDv7s carrying the current millisecond, unique and increasing in the order they were made', () => {
    const before = Date.now();
    const ids = Array.from({ length: 50_000 }, () => newEventId());
    const after = Date.now();
    for (const id of [ids[0]!, ids[12_345]!, ids.at(-1)!]) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const ms = parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
      expect(ms).toBeGreaterThanOrEqual(before);
      // Ids borrow the next millisecond only past 4,096 in one millisecond.
      expect(ms).toBeLessThanOrEqual(after + Math.ceil(ids.length / 4096));
    }
    expect(new Set(ids).size).toBe(ids.length);
    const sorted = [...ids].sort();
    expect(sorted).toEqual(ids);
  });
});
