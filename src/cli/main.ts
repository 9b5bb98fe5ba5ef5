#!/usr/bin/env -S node --max-semi-space-size=8
// The earshot binary. `--version` answers before anything else loads, so scripts that ask it pay
// only Node's own start-up; everything else loads the command line on demand.
// The main thread's young generation is capped at 8 MB semi-spaces (V8's default grows to 16 MB
// under a big scan's garbage, and V8 reads the cap only at start-up, hence here): a /16 × 3 ports
// peaked at 150-165 MB with the default, 138-141 MB with 8 MB, at the same speed
// (docs/benchmarks.md, "scale"). The worker threads get their cap in scan/threads/worker-pool.ts.
import { VERSION } from '../version.js';
import { installInterruptHandler } from './interrupt.js';

// First, so that no Ctrl-C during start-up meets the default action (see interrupt.ts).
installInterruptHandler();
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${VERSION}\n`);
} else {
  const { main } = await import('./program.js');
  process.exitCode = await main(argv);
}
