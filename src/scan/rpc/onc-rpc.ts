// ONC RPC version 2 (RFC 5531), the one client every RPC user in earshot shares (the portmapper
// dump, the -sV probe, the UDP scan's payloads): encode a call with AUTH_NONE, frame it with record
// marking over TCP, read exactly one reply record back under a size cap and a deadline, and decode
// the reply header. Hand-written and bounded: a peer that is not an RPC server gets an
// EarshotError('ERR_RPC'), or null from the `try` forms that never throw.
import { randomInt } from 'node:crypto';
import { connect } from 'node:net';
import { EarshotError, errnoCode, isEarshotError } from '../../errors.js';
import { XdrReader, XdrWriter } from './xdr.js';

/** One RPC call: which procedure of which program version, and its XDR-encoded arguments. */
export interface RpcCall {
  xid: number;
  program: number;
  version: number;
  procedure: number;
  args?: Buffer;
}

/** A decoded reply header; on success `results` reads the procedure's results. */
export type RpcReply =
  | { status: 'success'; results: XdrReader }
  | { status: 'program-mismatch'; low: number; high: number }
  | { status: 'program-unavailable' }
  | { status: 'procedure-unavailable' }
  | { status: 'garbage-args' }
  | { status: 'system-error' }
  | { status: 'rpc-mismatch'; low: number; high: number }
  | { status: 'auth-error'; authStat: number };

const CALL = 0;
const REPLY = 1;
const RPC_VERSION = 2;
const AUTH_NONE = 0;
// RFC 5531 section 8.2: an opaque_auth body is at most 400 bytes.
const MAX_AUTH_BYTES = 400;
// RFC 5531 section 11: the high bit of a record mark flags the last fragment.
const LAST_FRAGMENT = 0x80000000;

/** A fresh transaction id. */
export const newXid = (): number => randomInt(0, 0x1_0000_0000);

/** Encodes a call message (without the record mark). */
export function encodeCall(call: RpcCall): Buffer {
  const writer = new XdrWriter()
    .uint32(call.xid)
    .uint32(CALL)
    .uint32(RPC_VERSION)
    .uint32(call.program)
    .uint32(call.version)
    .uint32(call.procedure)
    .uint32(AUTH_NONE)
    .opaque(Buffer.alloc(0))
    .uint32(AUTH_NONE)
    .opaque(Buffer.alloc(0));
  const body = writer.toBuffer();
  return call.args ? Buffer.concat([body, call.args]) : body;
}

/** Wraps a message as one record of a single, last fragment. */
export function frameRecord(message: Buffer): Buffer {
  const mark = Buffer.alloc(4);
  mark.writeUInt32BE((LAST_FRAGMENT | message.length) >>> 0);
  return Buffer.concat([mark, message]);
}

/** Encodes a call as one record, ready for a TCP stream (UDP sends `encodeCall` bare). */
export const encodeCallRecord = (call: RpcCall): Buffer => frameRecord(encodeCall(call));

/** The first whole record at the start of a TCP reply, or null while its last fragment is missing. */
export function firstRecord(bytes: Buffer): Buffer | null {
  // No cap here: the caller already bounds how many bytes it reads.
  return new RecordReader(Number.MAX_SAFE_INTEGER).push(bytes);
}

/** Collects record-marked fragments from a byte stream until one record is complete. */
export class RecordReader {
  readonly #maxBytes: number;
  readonly #fragments: Buffer[] = [];
  #pending: Buffer = Buffer.alloc(0);
  #received = 0;

  /** `maxBytes` caps the record, fragment headers included, so endless empty fragments end too. */
  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** Bytes taken in so far. */
  get received(): number {
    return this.#received;
  }

  /** Feeds bytes in; returns the whole record once its last fragment is in, else null. */
  push(chunk: Buffer): Buffer | null {
    this.#received += chunk.length;
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    let accounted = this.#fragments.reduce((sum, fragment) => sum + fragment.length + 4, 0);
    while (this.#pending.length >= 4) {
      const mark = this.#pending.readUInt32BE(0);
      const length = mark & ~LAST_FRAGMENT;
      if (accounted + 4 + length > this.#maxBytes) {
        throw new EarshotError(
          'ERR_RPC',
          `the reply announces a record of at least ${accounted + 4 + length} bytes, above the cap of ${this.#maxBytes}: not a portmapper, or a hostile one`,
        );
      }
      if (this.#pending.length < 4 + length) return null;
      this.#fragments.push(this.#pending.subarray(4, 4 + length));
      this.#pending = this.#pending.subarray(4 + length);
      accounted += 4 + length;
      if ((mark & LAST_FRAGMENT) !== 0) return Buffer.concat(this.#fragments);
    }
    return null;
  }
}

/** Decodes a reply message header (RFC 5531 section 9) for the call with `xid`. */
export function decodeReply(message: Buffer, xid: number): RpcReply {
  const reader = new XdrReader(message);
  const replyXid = reader.uint32('the transaction id');
  const type = reader.uint32('the message type');
  if (type !== REPLY) throw new EarshotError('ERR_RPC', `not an RPC reply (message type ${type})`);
  if (replyXid !== xid) {
    throw new EarshotError('ERR_RPC', `the reply answers another call (xid ${replyXid}, expected ${xid})`);
  }
  const replyStat = reader.uint32('the reply status');
  if (replyStat === 1) {
    const rejectStat = reader.uint32('the reject status');
    if (rejectStat === 0) return { status: 'rpc-mismatch', low: reader.uint32(), high: reader.uint32() };
    if (rejectStat === 1) return { status: 'auth-error', authStat: reader.uint32('the auth status') };
    throw new EarshotError('ERR_RPC', `unknown reject status ${rejectStat}`);
  }
  if (replyStat !== 0) throw new EarshotError('ERR_RPC', `unknown reply status ${replyStat}`);
  reader.uint32('the verifier flavor');
  reader.opaque(MAX_AUTH_BYTES, 'the verifier');
  const acceptStat = reader.uint32('the accept status');
  switch (acceptStat) {
    case 0:
      return { status: 'success', results: reader };
    case 1:
      return { status: 'program-unavailable' };
    case 2:
      return { status: 'program-mismatch', low: reader.uint32(), high: reader.uint32() };
    case 3:
      return { status: 'procedure-unavailable' };
    case 4:
      return { status: 'garbage-args' };
    case 5:
      return { status: 'system-error' };
    default:
      throw new EarshotError('ERR_RPC', `unknown accept status ${acceptStat}`);
  }
}

/** `decodeReply` for bytes that may not be RPC at all: null instead of an error. */
export function tryDecodeReply(message: Buffer, xid: number): RpcReply | null {
  try {
    return decodeReply(message, xid);
  } catch (error) {
    if (isEarshotError(error, 'ERR_RPC')) return null;
    throw error;
  }
}

/** Where to send one call over TCP, and its bounds. */
export interface TcpCallOptions {
  host: string;
  port: number;
  /** Aborts the call; the caller's signal, possibly combined with its deadline. */
  signal: AbortSignal;
  maxReplyBytes: number;
}

/** Sends one framed call on a fresh TCP connection and returns the reply record's bytes. */
export async function callOverTcp(call: RpcCall, options: TcpCallOptions): Promise<Buffer> {
  const { host, port, signal } = options;
  signal.throwIfAborted();
  const socket = connect({ host, port });
  let onAbort: (() => void) | undefined;
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      const records = new RecordReader(options.maxReplyBytes);
      onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once('connect', () => socket.write(encodeCallRecord(call)));
      socket.on('data', (chunk: Buffer) => {
        try {
          const record = records.push(chunk);
          if (record) resolve(record);
        } catch (error) {
          reject(error);
        }
      });
      socket.once('error', (error) => reject(connectionError(error)));
      socket.once('close', () =>
        reject(
          new EarshotError(
            'ERR_RPC',
            `the connection closed before a whole reply arrived (${records.received} bytes received)`,
          ),
        ),
      );
    });
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
    socket.removeAllListeners();
    socket.on('error', () => undefined);
    socket.destroy();
  }
}

function connectionError(error: Error): EarshotError {
  const code = errnoCode(error);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new EarshotError('ERR_TARGET_RESOLVE', `cannot resolve the host name (${code})`, { cause: error });
  }
  const why = code === 'ECONNREFUSED' ? 'connection refused' : (code ?? error.message);
  return new EarshotError('ERR_RPC', why, { cause: error });
}
