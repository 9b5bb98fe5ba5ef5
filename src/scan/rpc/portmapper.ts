// ONC RPC portmapper client: lists what a portmapper/rpcbind has registered, so that a port owned by
// an RPC service reads as "ypbind (RPC 100007 v2)". rpcbind v4 and v3 RPCBPROC_DUMP (RFC 1833
// section 2) come first, as they carry IPv6 registrations and universal addresses; portmap v2
// PMAPPROC_DUMP (RFC 1833 section 3) is the fallback for servers that reject the newer versions.
import { isIPv4, isIPv6 } from 'node:net';
import { loadRpcProgramCatalog, type RpcProgramCatalog } from '../../catalog/rpc-programs.js';
import { EarshotError, isEarshotError } from '../../errors.js';
import type { AddressFamily, Protocol, RpcRegistration } from '../../model.js';
import { parseHostAddress } from '../targets/target-parse.js';
import { callOverTcp, decodeReply, newXid } from './onc-rpc.js';
import type { XdrReader } from './xdr.js';

/** A portmapper protocol version: 2 (portmap), 3 and 4 (rpcbind). */
export type PortmapperVersion = 2 | 3 | 4;

/** Which portmapper to ask, and how long to wait. */
export interface PortmapperQuery {
  /** An IPv4 or IPv6 address (brackets allowed) or a host name; anything else is ERR_TARGET_SPEC. */
  address: string;
  /** Default 111 (sunrpc). */
  port?: number;
  /** The whole query's deadline, every version tried included. Default 5000. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Names each program; default /etc/rpc. */
  rpcPrograms?: RpcProgramCatalog;
  /** Versions to try, in order, moving on when the server rejects one. Default [4, 3, 2]. */
  versions?: readonly PortmapperVersion[];
}

/** A portmapper's registrations and the protocol version that listed them. */
export interface PortmapperDump {
  version: PortmapperVersion;
  registrations: RpcRegistration[];
}

const PMAP_PROGRAM = 100000;
const DUMP_PROCEDURE = 4;
/** Above any real portmapper's dump (a few KiB); a peer announcing more is not one. */
const MAX_REPLY_BYTES = 4 * 1024 * 1024;
const MAX_REGISTRATIONS = 10_000;
// RFC 1833 leaves netid, uaddr and owner unbounded; real ones are a few dozen bytes.
const MAX_NETID_BYTES = 64;
const MAX_STRING_BYTES = 1024;
const IP_PROTOCOLS: Record<number, Protocol> = { 6: 'tcp', 17: 'udp' };
const NETIDS: Record<string, { protocol: Protocol; family: AddressFamily }> = {
  tcp: { protocol: 'tcp', family: 'ipv4' },
  udp: { protocol: 'udp', family: 'ipv4' },
  tcp6: { protocol: 'tcp', family: 'ipv6' },
  udp6: { protocol: 'udp', family: 'ipv6' },
};

/** Parses a universal address (RFC 5665 section 5.2.3): "h1.h2.h3.h4.p1.p2" or "<ipv6>.p1.p2". */
export function parseUniversalAddress(
  uaddr: string,
): { host: string; port: number; family: AddressFamily } | null {
  const match = /^(.+)\.(\d{1,3})\.(\d{1,3})$/.exec(uaddr);
  if (!match) return null;
  const [, host, high, low] = match as unknown as [string, string, string, string];
  if (Number(high) > 255 || Number(low) > 255) return null;
  const family = isIPv4(host) ? 'ipv4' : isIPv6(host) ? 'ipv6' : null;
  return family ? { host, port: Number(high) * 256 + Number(low), family } : null;
}

/** Reads a PMAPPROC_DUMP result: a linked list of (prog, vers, prot, port) mappings. */
export function decodePmapDump(results: XdrReader, programs: RpcProgramCatalog): RpcRegistration[] {
  const registrations: RpcRegistration[] = [];
  for (let count = 0; results.bool('the "more mappings follow" flag'); count++) {
    if (count === MAX_REGISTRATIONS) throw tooMany();
    const program = results.uint32('a program number');
    const version = results.uint32('a version number');
    const protocol = IP_PROTOCOLS[results.uint32('a protocol number')];
    const port = results.uint32('a port number');
    if (!protocol || port > 65535) continue;
    registrations.push({
      program,
      version,
      protocol,
      port,
      address: null,
      name: programs.nameOf(program),
      family: 'ipv4',
    });
  }
  return registrations;
}

/** Reads an RPCBPROC_DUMP result: a linked list of (prog, vers, netid, uaddr, owner) entries. */
export function decodeRpcbDump(results: XdrReader, programs: RpcProgramCatalog): RpcRegistration[] {
  const registrations: RpcRegistration[] = [];
  for (let count = 0; results.bool('the "more entries follow" flag'); count++) {
    if (count === MAX_REGISTRATIONS) throw tooMany();
    const program = results.uint32('a program number');
    const version = results.uint32('a version number');
    const netid = results.string(MAX_NETID_BYTES, 'a netid');
    const uaddr = results.string(MAX_STRING_BYTES, 'a universal address');
    results.string(MAX_STRING_BYTES, 'an owner');
    const transport = NETIDS[netid];
    const parsed = transport ? parseUniversalAddress(uaddr) : null;
    // Local (AF_UNIX) transports and addresses that do not parse name no port.
    if (!transport || !parsed || parsed.family !== transport.family) continue;
    registrations.push({
      program,
      version,
      protocol: transport.protocol,
      port: parsed.port,
      address: uaddr,
      name: programs.nameOf(program),
      family: transport.family,
    });
  }
  return registrations;
}

const tooMany = () =>
  new EarshotError(
    'ERR_RPC',
    `the dump lists more than ${MAX_REGISTRATIONS} registrations: refusing to read on`,
  );

function dedupe(registrations: RpcRegistration[]): RpcRegistration[] {
  const seen = new Set<string>();
  return registrations.filter((entry) => {
    const key = [entry.program, entry.version, entry.protocol, entry.family, entry.port, entry.address].join(
      '/',
    );
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function rejection(status: string, version: number): string {
  switch (status) {
    case 'program-unavailable':
      return 'it does not serve the portmapper program (100000): not a portmapper';
    case 'procedure-unavailable':
      return `it does not offer the DUMP procedure in version ${version}`;
    case 'auth-error':
      return 'it refused the call (authentication error)';
    case 'rpc-mismatch':
      return 'it does not speak ONC RPC version 2';
    default:
      return `it answered ${status}`;
  }
}

/** Lists a portmapper's registrations with the newest protocol version it accepts. */
export async function dumpPortmapper(query: PortmapperQuery): Promise<PortmapperDump> {
  const address = parseHostAddress(query.address);
  const port = query.port ?? 111;
  const timeoutMs = query.timeoutMs ?? 5000;
  const versions = query.versions ?? [4, 3, 2];
  const where = address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new EarshotError('ERR_OPTION', `Invalid portmapper port ${port}: ports run from 1 to 65535.`);
  }
  if (versions.length === 0 || versions.some((version) => ![2, 3, 4].includes(version))) {
    throw new EarshotError(
      'ERR_OPTION',
      `Invalid portmapper versions [${versions.join(', ')}]: use 2, 3 or 4.`,
    );
  }
  const programs = query.rpcPrograms ?? (await loadRpcProgramCatalog());
  // One controller for the caller's signal and the deadline (AbortSignal.any needs Node 20.3).
  const controller = new AbortController();
  const { signal } = controller;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`no answer within ${timeoutMs} ms`));
  }, timeoutMs);
  const onAbort = () => controller.abort(query.signal?.reason);
  query.signal?.addEventListener('abort', onAbort, { once: true });
  if (query.signal?.aborted) onAbort();
  const rejected: string[] = [];
  try {
    for (const version of versions) {
      const xid = newXid();
      const call = { xid, program: PMAP_PROGRAM, version, procedure: DUMP_PROCEDURE };
      const reply = decodeReply(
        await callOverTcp(call, { host: address, port, signal, maxReplyBytes: MAX_REPLY_BYTES }),
        xid,
      );
      if (reply.status === 'success') {
        const decode = version === 2 ? decodePmapDump : decodeRpcbDump;
        return { version, registrations: dedupe(decode(reply.results, programs)) };
      }
      if (reply.status !== 'program-mismatch')
        throw new EarshotError('ERR_RPC', rejection(reply.status, version));
      rejected.push(`v${version} (it serves v${reply.low}..v${reply.high})`);
    }
    throw new EarshotError('ERR_RPC', `it rejected every version asked: ${rejected.join(', ')}`);
  } catch (error) {
    if (query.signal?.aborted) throw query.signal.reason;
    const why = timedOut
      ? `no answer within ${timeoutMs} ms`
      : isEarshotError(error)
        ? error.message
        : String(error);
    const code = isEarshotError(error, 'ERR_TARGET_RESOLVE') ? 'ERR_TARGET_RESOLVE' : 'ERR_RPC';
    const silent = timedOut || /connection refused/.test(why);
    const hint = silent ? '; is rpcbind running there, on that port?' : '.';
    // The socket error itself as the cause, so callers can test errnoCode(error.cause) === 'ECONNREFUSED'.
    const cause = isEarshotError(error) && error.cause !== undefined ? error.cause : error;
    throw new EarshotError(code, `Portmapper query to ${where} failed: ${why}${hint}`, { cause });
  } finally {
    clearTimeout(timer);
    query.signal?.removeEventListener('abort', onAbort);
  }
}

/** Lists a portmapper's registrations (rpcbind v4, else v3, else portmap v2), deduplicated and named. */
export async function queryPortmapper(query: PortmapperQuery): Promise<RpcRegistration[]> {
  return (await dumpPortmapper(query)).registrations;
}
