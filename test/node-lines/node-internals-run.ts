// Exercises, the way the scan engines do, the Node internals they are built on (tcp_wrap and
// udp_wrap through process.binding), and prints one JSON line: the Node version and each check with
// what it saw. Run it in a network namespace of its own: it connects only to 127.0.0.1 and ::1, to
// ports it holds itself (a listener, a bound socket) or has just closed.
import { createSocket, type Socket as DgramSocket } from 'node:dgram';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { constants } from 'node:os';

interface Check {
  name: string;
  ok: boolean;
  saw: string;
}
interface Binding {
  [name: string]: unknown;
}
type Handle = Record<string, (...args: unknown[]) => unknown> & Record<string, unknown>;

const checks: Check[] = [];
const check = (name: string, ok: boolean, saw: unknown) =>
  checks.push({ name, ok, saw: typeof saw === 'string' ? saw : JSON.stringify(saw) });
const errno = constants.errno;
const DEADLINE_MS = 10_000;

const binding = (name: string) => (process as unknown as { binding(n: string): Binding }).binding(name);
const tcpWrap = binding('tcp_wrap') as {
  TCP: new (type: number) => Handle;
  TCPConnectWrap: new () => Handle;
  constants: { SOCKET: number };
};
const udpWrap = binding('udp_wrap') as { UDP: new () => Handle; SendWrap: new () => object };

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${DEADLINE_MS} ms: ${what}`)), DEADLINE_MS);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

async function listen(host: string): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.on('error', () => undefined));
  server.listen(0, host);
  await once(server, 'listening');
  return { server, port: (server.address() as { port: number }).port };
}

interface Completion {
  status: number;
  handleMatches: boolean;
  reqMatches: boolean;
}

/** Starts a connect the way tcp-connect.ts does: what it returned, and (when 0) what oncomplete got. */
function connect(handle: Handle, v6: boolean, address: string, port: number) {
  const req = new tcpWrap.TCPConnectWrap();
  let complete: (answer: Completion) => void = () => undefined;
  const completion = new Promise<Completion>((resolve) => {
    complete = resolve;
  });
  req.oncomplete = (status: unknown, completedHandle: unknown, completedReq: unknown) =>
    complete({
      status: status as number,
      handleMatches: completedHandle === handle,
      reqMatches: completedReq === req,
    });
  const returned = (v6 ? handle.connect6! : handle.connect!).call(handle, req, address, port) as number;
  // A connect that did not start never completes.
  const completed = returned === 0 ? within(completion, `connect to ${address} port ${port}`) : null;
  return { returned, completed };
}

async function checkTcp(v6: boolean) {
  const loopback = v6 ? '::1' : '127.0.0.1';
  const family = v6 ? 'tcp6' : 'tcp4';
  const { server, port: openPort } = await listen(loopback);
  // A port held by a bound, never-listening socket: a connect to it is refused, and nobody else
  // can take it meanwhile.
  const held = new tcpWrap.TCP(tcpWrap.constants.SOCKET);
  check(
    `${family}: TCP#bind${v6 ? '6' : ''} returns 0`,
    (v6 ? held.bind6!(loopback, 0, 0) : held.bind!(loopback, 0)) === 0,
    'non-zero',
  );
  const heldAddress: { port?: number } = {};
  held.getsockname!(heldAddress);
  const handle = new tcpWrap.TCP(tcpWrap.constants.SOCKET);

  const refused = connect(handle, v6, loopback, heldAddress.port!);
  const refusedAnswer = await refused.completed;
  check(
    `${family}: a refused connect returns 0, then completes with -ECONNREFUSED, its handle and its req`,
    refused.returned === 0 &&
      refusedAnswer?.status === -errno.ECONNREFUSED &&
      refusedAnswer.handleMatches &&
      refusedAnswer.reqMatches,
    { returned: refused.returned, ...refusedAnswer, expectedStatus: -errno.ECONNREFUSED },
  );

  // SocketPool: the refused handle connects again; the first call answers ECONNABORTED.
  const first = connect(handle, v6, loopback, openPort);
  const second = first.returned === -errno.ECONNABORTED ? connect(handle, v6, loopback, openPort) : null;
  const reused = second ? await second.completed : null;
  check(
    `${family}: a refused handle connects again: ECONNABORTED, then 0, then completes with 0`,
    first.returned === -errno.ECONNABORTED && second?.returned === 0 && reused?.status === 0,
    { firstReturned: first.returned, secondReturned: second?.returned, completed: reused },
  );

  const local: { address?: string; port?: number } = {};
  const peer: { address?: string; port?: number } = {};
  const namesOk = handle.getsockname!(local) === 0 && handle.getpeername!(peer) === 0;
  check(
    `${family}: getsockname and getpeername fill { address, port }`,
    namesOk &&
      local.address === loopback &&
      typeof local.port === 'number' &&
      peer.address === loopback &&
      peer.port === openPort,
    { local, peer, openPort },
  );
  const accepted = once(server, 'connection');
  const reset = handle.reset!();
  check(`${family}: TCP#reset returns 0`, reset === 0, { reset });
  await within(accepted, 'the listener accepting');
  handle.close!();
  held.close!();
  server.close();
}

/** Waits for the next onmessage of `handle`. */
function nextMessage(handle: Handle) {
  return within(
    new Promise<{ nread: number; handleMatches: boolean; text: string | null }>((resolve) => {
      handle.onmessage = (nread: unknown, from: unknown, buffer: unknown) =>
        resolve({
          nread: nread as number,
          handleMatches: from === handle,
          text: Buffer.isBuffer(buffer) ? buffer.toString() : null,
        });
    }),
    'a UDP message',
  );
}

async function checkUdp(v6: boolean) {
  const loopback = v6 ? '::1' : '127.0.0.1';
  const family = v6 ? 'udp6' : 'udp4';
  const echo: DgramSocket = createSocket(v6 ? 'udp6' : 'udp4');
  echo.on('message', (message, from) => echo.send(message, from.port, from.address));
  echo.bind(0, loopback);
  await once(echo, 'listening');
  const gone = createSocket(v6 ? 'udp6' : 'udp4');
  gone.bind(0, loopback);
  await once(gone, 'listening');
  const closedPort = gone.address().port;
  gone.close();

  const handle = new udpWrap.UDP();
  // uv_udp_flags: UV_UDP_IPV6ONLY = 1, as udp-handles.ts binds IPv6 probes.
  const bound = v6 ? handle.bind6!('::', 0, 1) : handle.bind!('0.0.0.0', 0, 0);
  check(
    `${family}: UDP#bind${v6 ? '6' : ''} of the wildcard returns 0, recvStart returns 0`,
    bound === 0 && handle.recvStart!() === 0,
    { bound },
  );

  const echoed = nextMessage(handle);
  const connected = v6
    ? handle.connect6!(loopback, echo.address().port)
    : handle.connect!(loopback, echo.address().port);
  const sent = handle.send!(new udpWrap.SendWrap(), [Buffer.from('earshot')], 1, false) as number;
  const reply = await echoed;
  check(
    `${family}: connect returns 0, send(req, [buffer], 1, false) returns >= 0, the reply reaches onmessage(nread, handle, buffer)`,
    connected === 0 && sent >= 0 && reply.nread === 7 && reply.handleMatches && reply.text === 'earshot',
    { connected, sent, reply },
  );

  const disconnected = handle.disconnect!();
  const refusal = nextMessage(handle);
  const reconnected = v6 ? handle.connect6!(loopback, closedPort) : handle.connect!(loopback, closedPort);
  handle.send!(new udpWrap.SendWrap(), [Buffer.alloc(0)], 1, false);
  const refused = await refusal;
  check(
    `${family}: after disconnect and connect to a closed port, onmessage gets nread = -ECONNREFUSED`,
    disconnected === 0 && reconnected === 0 && refused.nread === -errno.ECONNREFUSED && refused.handleMatches,
    { disconnected, reconnected, refused, expected: -errno.ECONNREFUSED },
  );
  handle.close!();
  echo.close();
}

try {
  await checkTcp(false);
  await checkTcp(true);
  await checkUdp(false);
  await checkUdp(true);
} catch (error) {
  check('every check ran', false, (error as Error).stack ?? String(error));
}
process.stdout.write(`${JSON.stringify({ node: process.version, checks })}\n`);
