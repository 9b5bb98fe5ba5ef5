// A fleet server in a process of its own, for tests that kill it: options as JSON in argv[2];
// prints "listening URL" once it listens, closes on SIGTERM.
import { startServer } from '../../src/fleet/server/server.js';

const server = await startServer(JSON.parse(process.argv[2]!));
process.stdout.write(`listening ${server.url}\n`);
process.once('SIGTERM', () => {
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
