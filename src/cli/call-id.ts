import type { DataSource } from 'typeorm';
import { ConversationLogError } from '../errors.js';
import { callIdsStartingWith } from '../queries/call-id-prefix.js';
import { NotFoundError } from './errors.js';
import { cut, oneLine } from './output.js';

/**
 * The call an id or a unique prefix of one names (as `git` takes a short hash): the exact id
 * first, else the one call whose id starts with it.
 *
 * @throws NotFoundError when no call matches
 * @throws ConversationLogError `INVALID_ARGUMENT` when several do, listing them
 */
export async function resolveCallId(dataSource: DataSource, input: string, field = 'call id'): Promise<string> {
  const ids = await callIdsStartingWith(dataSource, input, 11);
  if (ids[0] === input) return input;
  if (ids.length === 1) return ids[0]!;
  if (ids.length === 0) throw new NotFoundError(`no call "${cut(oneLine(input), 60)}" in this store (convlog calls lists them)`);
  const shown = ids.slice(0, 10).join(', ');
  throw new ConversationLogError(
    'INVALID_ARGUMENT',
    `${field} "${cut(oneLine(input), 60)}" is ambiguous: ${ids.length > 10 ? 'more than 10' : ids.length} calls start with it (${shown}${
      ids.length > 10 ? ', …' : ''
    }). Give more of the id.`,
    { field },
  );
}
