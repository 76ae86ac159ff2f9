#!/usr/bin/env node
/** The `convlog` command (the package's bin). */
import { run } from './run.js';

// `convlog export … | head`: a closed pipe ends the output, not in an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

process.exitCode = await run(process.argv.slice(2));
