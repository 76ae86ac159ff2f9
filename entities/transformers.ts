import type { ValueTransformer } from 'typeorm';

/** PostgreSQL returns BIGINT as a string; every bigint column here is a safe integer (ms or count). */
export const bigintNumber: ValueTransformer = {
  to: (value: unknown) => value,
  from: (value: unknown) => (value === null || value === undefined ? value : Number(value)),
};

/** SQLite has no boolean: 0/1 become false/true on read. */
export const booleanValue: ValueTransformer = {
  to: (value: unknown) => value,
  from: (value: unknown) => (value === null || value === undefined ? value : value === true || value === 1 || value === '1'),
};
