// Leaves TCP sockets behind that are not listeners, for the bind witness tests. Run in a test namespace.
//   time-wait:   one TIME_WAIT on a server port (the server closed first) and one on a client's
//                ephemeral port (the client closed first); prints {"serverPort","clientPort"}, exits.
//   established: one connection kept open after its listener closed; prints {"serverPort",
//                "clientPort"} and stays until killed.
import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';

async function connectedPair(): Promise<{ server: Server; serverSide: Socket; client: Socket }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await once(client, 'connect');
  const [serverSide] = await accepted;
  return { server, serverSide, client };
}

async function closeFrom(first: Socket, second: Socket): Promise<void> {
  const closed = Promise.all([once(first, 'close'), once(second, 'close')]);
  first.end();
  await closed;
}

const mode = process.argv[2];
if (mode === 'time-wait') {
  const a = await connectedPair();
  const serverPort = a.serverSide.localPort;
  await closeFrom(a.serverSide, a.client);
  a.server.close();
  const b = await connectedPair();
  const clientPort = b.client.localPort;
  await closeFrom(b.client, b.serverSide);
  b.server.close();
  process.stdout.write(`${JSON.stringify({ serverPort, clientPort })}\n`);
} else if (mode === 'established') {
  const { server, serverSide, client } = await connectedPair();
  server.close();
  process.stdout.write(
    `${JSON.stringify({ serverPort: serverSide.localPort, clientPort: client.localPort })}\n`,
  );
  setInterval(() => undefined, 60_000);
} else {
  throw new Error(`unknown mode ${mode}`);
}
