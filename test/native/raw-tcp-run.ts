// Drives openRawTcp in a process of its own (run inside a test's namespace) and prints what it saw
// as one JSON line. It never calls process.exit: the process ends only if close() let go of the
// event loop, which is part of what the tests check.
//   answers: a SYN to a listening port and one to a closed port, and the timer ticks seen while
//            waiting; then close twice, and a send after close.
//   burst N: N SYNs to closed ports sent back to back, then how many RSTs came back.
//   throws:  a reply listener that throws: the error must reach the process as uncaught.
//   open:    only whether the socket opened, or why not.
import { once } from 'node:events';
import { createServer } from 'node:net';
import { errnoCode } from '../../src/errors.js';
import { openRawTcp, type RawTcp, type TcpReply } from '../../src/scan/raw/raw-tcp.js';

const [mode = 'open', countText = '0'] = process.argv.slice(2);
const SOURCE_PORT = 47123;
const DEADLINE_MS = 15_000;

async function listeningPort(): Promise<{ port: number; close(): void }> {
  const server = createServer((socket) => socket.destroy());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { port: address.port, close: () => server.close() };
}

/** Collects replies to our source port until `done` (given each new one) says so, or the deadline. */
function collect(raw: RawTcp, done: (reply: TcpReply, replies: TcpReply[]) => boolean): Promise<TcpReply[]> {
  const replies: TcpReply[] = [];
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(deadline);
      stop();
      resolve(replies);
    };
    const deadline = setTimeout(finish, DEADLINE_MS);
    const stop = raw.onReply((reply) => {
      if (reply.destinationPort !== SOURCE_PORT || reply.source !== '127.0.0.1') return;
      replies.push(reply);
      if (done(reply, replies)) finish();
    });
  });
}

async function answers(raw: RawTcp) {
  const open = await listeningPort();
  const closed = await listeningPort();
  closed.close();
  // With the socket open and nothing to read, timers must still run: a read that blocked the
  // thread would hang here until the test's deadline kills the process.
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 1);
  await new Promise((resolve) => setTimeout(resolve, 50));
  clearInterval(ticker);
  const heard = collect(
    raw,
    (_, replies) => replies.some((r) => r.flags.syn) && replies.some((r) => r.flags.rst),
  );
  await raw.sendSyn('127.0.0.1', SOURCE_PORT, open.port, 1000);
  await raw.sendSyn('127.0.0.1', SOURCE_PORT, closed.port, 2000);
  const replies = await heard;
  open.close();
  raw.close();
  raw.close();
  let afterClose = 'sent';
  try {
    await raw.sendSyn('127.0.0.1', SOURCE_PORT, open.port, 3000);
  } catch (error) {
    afterClose = `${errnoCode(error)}: ${(error as Error).message}`;
  }
  return {
    openPort: open.port,
    closedPort: closed.port,
    synAck: replies.find((r) => r.flags.syn && r.flags.ack) ?? null,
    rst: replies.find((r) => r.flags.rst) ?? null,
    ticksWhileSilent: ticks,
    afterClose,
  };
}

async function burst(raw: RawTcp, count: number) {
  const ports = new Set<number>();
  const heard = collect(raw, (reply) => {
    if (reply.flags.rst) ports.add(reply.sourcePort);
    return ports.size >= count;
  });
  for (let port = 1; port <= count; port++) await raw.sendSyn('127.0.0.1', SOURCE_PORT, port, port);
  await heard;
  raw.close();
  return { sent: count, rstPorts: ports.size };
}

const opened = openRawTcp();
if (!opened.ok) {
  process.stdout.write(`${JSON.stringify({ ok: false, reason: opened.reason })}\n`);
} else if (mode === 'answers') {
  process.stdout.write(`${JSON.stringify({ ok: true, ...(await answers(opened.raw)) })}\n`);
} else if (mode === 'burst') {
  process.stdout.write(`${JSON.stringify({ ok: true, ...(await burst(opened.raw, Number(countText))) })}\n`);
} else if (mode === 'throws') {
  opened.raw.onReply(() => {
    throw new Error('thrown by a reply listener');
  });
  const closed = await listeningPort();
  closed.close();
  await opened.raw.sendSyn('127.0.0.1', SOURCE_PORT, closed.port, 1);
} else {
  opened.raw.close();
  process.stdout.write(`${JSON.stringify({ ok: true })}\n`);
}
