// Runs the bind witness once in whatever network namespace it is started in (the test process lives
// in another one) and prints its result as JSON. Argument: the BindProbeOptions as JSON.
import { type BindProbeOptions, probeBoundPorts } from '../../src/inventory/bind-probe.js';

const options = JSON.parse(process.argv[2] ?? '{}') as BindProbeOptions;
process.stdout.write(`${JSON.stringify(await probeBoundPorts(options))}\n`);
