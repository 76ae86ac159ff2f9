// Starts a thread module from the TypeScript sources (tsx, vitest): registers tsx in this thread,
// then imports the module. Built code (dist/) starts its `.js` module directly and never runs this.
import { workerData } from 'node:worker_threads';

const { register } = await import(workerData.convlogThread.tsx);
register();
await import(workerData.convlogThread.entry);
