// The agent's HTTP(S) client: one kept-alive connection to the server, a Bearer token, the server's
// certificate checked against the system's CAs or the one --ca names (never switched off), a deadline
// per request, and a bound on what an answer may weigh, so that a broken or hostile server can
// neither hang the agent nor fill its memory. It reads the server's error body ({"error": {...}}) and
// leaves the decision (retry, skip, stop) to the caller.
import http from 'node:http';
import https from 'node:https';
import { errnoCode } from '../../errors.js';
import { VERSION } from '../../version.js';
import { deadlineSignal } from '../../watch/sinks/sink.js';

/** How the client reaches the server. */
export interface PushClientOptions {
  /** The server's base URL (parseServerUrl). */
  server: URL;
  token: string;
  /** PEM of the CA that signed the server's certificate; replaces the system's CAs. */
  ca?: string;
  /** The longest one request may take, connection included (default 30 s). */
  timeoutMs?: number;
  /** The most of an answer's body read (default 64 KiB); a longer answer is a failure. */
  maxResponseBytes?: number;
}

/** The server's answer to one push. */
export interface PushReply {
  status: number;
  /** The error body's code (`wrong-host`, `invalid-body`...), when there is one. */
  code: string | null;
  /** The server's own words for a refusal (at most 500 characters), else `HTTP <status>`. */
  message: string;
  /** For a bad body: the JSON pointer of the first bad field. */
  path: string | null;
  /** Retry-After, when the server sent one. */
  retryAfterMs: number | null;
  /** The body as JSON (null when it is not). */
  json: unknown;
}

const MAX_MESSAGE_CHARS = 500;

function parseRetryAfter(value: string | string[] | undefined): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return null;
  const seconds = Number(text);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

function readReply(status: number, headers: http.IncomingHttpHeaders, text: string): PushReply {
  let code: string | null = null;
  let message = `HTTP ${status}`;
  let path: string | null = null;
  let json: unknown = null;
  try {
    json = JSON.parse(text);
    const error = (json as { error?: { code?: unknown; message?: unknown; path?: unknown } } | null)?.error;
    if (typeof error?.code === 'string') code = error.code.slice(0, 100);
    if (typeof error?.message === 'string') message = error.message.slice(0, MAX_MESSAGE_CHARS);
    if (typeof error?.path === 'string') path = error.path.slice(0, MAX_MESSAGE_CHARS);
  } catch {
    // Not our server's JSON (a proxy's page): the status says enough.
  }
  return { status, code, message, path, retryAfterMs: parseRetryAfter(headers['retry-after']), json };
}

/** Posts JSON bodies to one server. */
export class PushClient {
  readonly server: URL;
  readonly #token: string;
  readonly #agent: http.Agent;
  readonly #timeoutMs: number;
  readonly #maxResponseBytes: number;

  constructor(options: PushClientOptions) {
    this.server = options.server;
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#maxResponseBytes = options.maxResponseBytes ?? 64 * 1024;
    this.#agent =
      options.server.protocol === 'https:'
        ? new https.Agent({
            keepAlive: true,
            maxSockets: 1,
            ...(options.ca !== undefined ? { ca: options.ca } : {}),
          })
        : new http.Agent({ keepAlive: true, maxSockets: 1 });
  }

  /**
   * POSTs `body` (JSON text) to `path` under the server's URL and returns its answer, whatever the
   * status. Throws when no answer came: refused, reset, a certificate that does not verify, the
   * deadline, an answer too large, or `signal`.
   */
  async post(path: string, body: string, signal: AbortSignal): Promise<PushReply> {
    const url = new URL(path, this.server);
    const deadline = deadlineSignal(signal, this.#timeoutMs);
    try {
      return await new Promise<PushReply>((resolve, reject) => {
        const request = (url.protocol === 'https:' ? https : http).request(url, {
          method: 'POST',
          agent: this.#agent,
          signal: deadline.signal,
          headers: {
            authorization: `Bearer ${this.#token}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'user-agent': `earshot-agent/${VERSION}`,
          },
        });
        request.once('error', reject);
        request.once('response', (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > this.#maxResponseBytes) {
              request.destroy(new Error(`the answer is larger than ${this.#maxResponseBytes} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          response.once('error', reject);
          response.once('end', () =>
            resolve(
              readReply(response.statusCode ?? 0, response.headers, Buffer.concat(chunks).toString('utf8')),
            ),
          );
        });
        request.end(body);
      });
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      const code = errnoCode(error);
      const text = (error as Error).message;
      const reason = deadline.signal.aborted
        ? `no answer within ${this.#timeoutMs} ms`
        : code && !text.includes(code)
          ? `${text} (${code})`
          : text;
      throw new Error(`POST ${url.href} failed: ${reason}`, { cause: error });
    } finally {
      deadline.dispose();
    }
  }

  /** Closes the kept-alive connection. */
  close(): void {
    this.#agent.destroy();
  }
}
