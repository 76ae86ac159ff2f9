import { randomFillSync } from 'node:crypto';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const pool = Buffer.alloc(16 * 512);
let offset = pool.length;
let lastMs = -1;
let sequence = 0;

/**
 * A new event id: a UUIDv7 (RFC 9562) — 48 bits of Unix milliseconds, a 12-bit sequence that
 * keeps ids of one process increasing within a millisecond, and 62 random bits.
 *
 * @remarks
 * Ids that grow with time keep the log's unique `event_id` index append-only: a batch of
 * events dirties a page or two of it instead of one page per event (random UUIDv4s), and
 * retention deletes old events from the index's left end instead of from all over it.
 */
export function newEventId(): string {
  if (offset >= pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const o = offset;
  offset += 16;
  let ms = Date.now();
  if (ms > lastMs) {
    lastMs = ms;
    sequence = pool[o + 6]! & 0x07; // a random start, leaving room to count up
  } else {
    ms = lastMs;
    sequence++;
    if (sequence > 0xfff) {
      // 4,096 ids in one millisecond: borrow the next one.
      lastMs = ++ms;
      sequence = 0;
    }
  }
  const hi = Math.floor(ms / 2 ** 16);
  const lo = ms % 2 ** 16;
  return (
    HEX[(hi >>> 24) & 0xff]! +
    HEX[(hi >>> 16) & 0xff]! +
    HEX[(hi >>> 8) & 0xff]! +
    HEX[hi & 0xff]! +
    '-' +
    HEX[lo >>> 8]! +
    HEX[lo & 0xff]! +
    '-' +
    HEX[0x70 | (sequence >>> 8)]! +
    HEX[sequence & 0xff]! +
    '-' +
    HEX[0x80 | (pool[o + 8]! & 0x3f)]! +
    HEX[pool[o + 9]!]! +
    '-' +
    HEX[pool[o + 10]!]! +
    HEX[pool[o + 11]!]! +
    HEX[pool[o + 12]!]! +
    HEX[pool[o + 13]!]! +
    HEX[pool[o + 14]!]! +
    HEX[pool[o + 15]!]!
  );
}
