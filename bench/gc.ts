import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

/** A full garbage collection, so a timed section does not pay for what was allocated before it. */
export function fullGc(): void {
  collect();
  collect();
}
