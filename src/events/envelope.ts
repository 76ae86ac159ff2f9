import * as c from './check.js';

/** Where and when an event happened; `callId` null only for system-level events. */
export interface EventEnvelope {
  callId?: string | null;
  /** Ms since 1970, UTC; `Date.now()` when omitted. */
  occurredAt?: number;
}

/** The fields `K` of `D` required, the others optional. */
export type Args<D, K extends keyof D> = EventEnvelope & Pick<D, K> & { [P in Exclude<keyof D, K>]?: D[P] | undefined };

export const when = (v: number | undefined): number => (v === undefined ? Date.now() : c.timestamp('occurredAt', v));
/** An optional text field: left out (undefined) unless given, so older events and new ones without it read the same. */
export const optionalText = (field: string, v: string | null | undefined): string | null | undefined =>
  v === undefined ? undefined : c.textOrNull(field, v);
export const callOf = (v: string | null | undefined): string | null => c.idOrNull('callId', v);
