#!/usr/bin/env node
// The earshot binary. `--version` answers before anything else loads, so scripts that ask it pay
// only Node's own start-up; everything else loads the command line on demand.
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
