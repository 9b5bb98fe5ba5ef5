// XDR (RFC 4506), the little of it ONC RPC needs: unsigned integers, booleans, counted opaques and
// strings, all big-endian and padded to 4 bytes. Every read is bounds-checked: a short or hostile
// buffer gives an EarshotError('ERR_RPC'), never a RangeError.
import { EarshotError } from '../../errors.js';

/** Reads XDR items in order from one buffer. */
export class XdrReader {
  readonly #buffer: Buffer;
  #offset = 0;

  constructor(buffer: Buffer) {
    this.#buffer = buffer;
  }

  /** Bytes not read yet. */
  get remaining(): number {
    return this.#buffer.length - this.#offset;
  }

  /** Byte offset of the next read (for error messages). */
  get offset(): number {
    return this.#offset;
  }

  /** An unsigned 32-bit integer (RFC 4506 section 4.2). */
  uint32(what = 'an unsigned integer'): number {
    this.#need(4, what);
    const value = this.#buffer.readUInt32BE(this.#offset);
    this.#offset += 4;
    return value;
  }

  /** A boolean: exactly 0 or 1 (section 4.4); anything else is malformed. */
  bool(what = 'a boolean'): boolean {
    const at = this.#offset;
    const value = this.uint32(what);
    if (value > 1) throw malformed(`${what} is ${value}, not 0 or 1`, at);
    return value === 1;
  }

  /** A variable-length opaque of at most `maxLength` bytes, with its padding (section 4.10). */
  opaque(maxLength: number, what = 'an opaque'): Buffer {
    const at = this.#offset;
    const length = this.uint32(`the length of ${what}`);
    if (length > maxLength)
      throw malformed(`${what} claims ${length} bytes, above the limit of ${maxLength}`, at);
    const padded = length + ((4 - (length % 4)) % 4);
    this.#need(padded, what);
    const bytes = this.#buffer.subarray(this.#offset, this.#offset + length);
    this.#offset += padded;
    return bytes;
  }

  /** A string of at most `maxLength` bytes (section 4.11), decoded as Latin-1 so no byte is lost. */
  string(maxLength: number, what = 'a string'): string {
    return this.opaque(maxLength, what).toString('latin1');
  }

  #need(bytes: number, what: string): void {
    if (this.remaining < bytes) {
      throw malformed(
        `the data ends before ${what} (${bytes} bytes needed, ${this.remaining} left)`,
        this.#offset,
      );
    }
  }
}

function malformed(detail: string, offset: number): EarshotError {
  return new EarshotError('ERR_RPC', `malformed XDR at byte ${offset}: ${detail}`);
}

/** Builds XDR bytes from unsigned integers and opaques. */
export class XdrWriter {
  readonly #chunks: Buffer[] = [];

  /** Appends an unsigned 32-bit integer. */
  uint32(value: number): this {
    const chunk = Buffer.alloc(4);
    chunk.writeUInt32BE(value >>> 0);
    this.#chunks.push(chunk);
    return this;
  }

  /** Appends a variable-length opaque with its length and padding. */
  opaque(bytes: Buffer): this {
    this.uint32(bytes.length);
    this.#chunks.push(bytes, Buffer.alloc((4 - (bytes.length % 4)) % 4));
    return this;
  }

  /** The bytes written so far. */
  toBuffer(): Buffer {
    return Buffer.concat(this.#chunks);
  }
}
