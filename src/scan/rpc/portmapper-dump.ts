// Which ONC RPC program listens on a TCP port: the portmapper's DUMP (RFC 1833 §3.2, PMAPPROC_DUMP,
// version 2) over TCP with record marking (RFC 5531 §11). Used by -sV when a port answers RPC but
// is not the portmapper itself.
import { type Connector, exchange, tcpConnector } from '../service/probe-io.js';

/** One mapping the portmapper listed. */
export interface PortMapping {
  program: number;
  version: number;
  protocol: 'tcp' | 'udp' | 'other';
  port: number;
}

const XID = 0x64756d70;

/** The DUMP call: program 100000, version 2, procedure 4, no arguments. */
export function dumpCall(): Buffer {
  const call = Buffer.alloc(44);
  call.writeUInt32BE((0x80000000 | 40) >>> 0, 0);
  call.writeUInt32BE(XID, 4);
  call.writeUInt32BE(0, 8);
  call.writeUInt32BE(2, 12);
  call.writeUInt32BE(100000, 16);
  call.writeUInt32BE(2, 20);
  call.writeUInt32BE(4, 24);
  return call;
}

/** Joins record-marked fragments; null until the last fragment has arrived whole. */
function reassemble(reply: Buffer): Buffer | null {
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 4 <= reply.length) {
    const mark = reply.readUInt32BE(at);
    const length = mark & 0x7fffffff;
    if (at + 4 + length > reply.length) return null;
    parts.push(reply.subarray(at + 4, at + 4 + length));
    at += 4 + length;
    if (mark & 0x80000000) return Buffer.concat(parts);
  }
  return null;
}

/** Parses a DUMP reply into mappings; null when it is not one. Never throws. */
export function parseDumpReply(reply: Buffer): PortMapping[] | null {
  const body = reassemble(reply);
  if (!body || body.length < 24 || body.readUInt32BE(0) !== XID || body.readUInt32BE(4) !== 1) return null;
  if (body.readUInt32BE(8) !== 0) return null;
  let at = 20 + Math.ceil(body.readUInt32BE(16) / 4) * 4;
  if (at + 4 > body.length || body.readUInt32BE(at) !== 0) return null;
  at += 4;
  const mappings: PortMapping[] = [];
  while (at + 4 <= body.length && body.readUInt32BE(at) === 1 && at + 20 <= body.length) {
    const protocol = body.readUInt32BE(at + 12);
    mappings.push({
      program: body.readUInt32BE(at + 4),
      version: body.readUInt32BE(at + 8),
      protocol: protocol === 6 ? 'tcp' : protocol === 17 ? 'udp' : 'other',
      port: body.readUInt32BE(at + 16),
    });
    at += 20;
  }
  return mappings;
}

/** Asks the portmapper at address:111 for its mappings; null when it does not answer in time. */
export async function dumpPortmapper(
  address: string,
  options: { timeoutMs: number; signal?: AbortSignal | undefined; connector?: Connector },
): Promise<PortMapping[] | null> {
  const reply = await exchange(options.connector ?? tcpConnector(address, 111), dumpCall(), {
    timeoutMs: options.timeoutMs,
    quietMs: 250,
    maxBytes: 65_536,
    complete: (bytes) => reassemble(bytes) !== null,
    signal: options.signal,
  });
  return reply ? parseDumpReply(reply) : null;
}
