// PostgreSQL: a v3 StartupMessage (postgresql.org/docs/current/protocol-message-formats.html). The
// server answers with an authentication request or an ErrorResponse; it names its version
// (ParameterStatus server_version) only when it lets the user in without a password.
import { compactMatch, osHintsIn, type ServiceProbe } from '../types.js';

const AUTH_METHODS: Record<number, string> = {
  0: 'trust',
  3: 'password',
  5: 'md5',
  7: 'GSSAPI',
  9: 'SSPI',
  10: 'SASL',
};

function startupMessage(): Buffer {
  const params = Buffer.from('user\0earshot\0database\0earshot\0application_name\0earshot\0\0', 'latin1');
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + params.length, 0);
  head.writeUInt32BE(196608, 4); // protocol 3.0
  return Buffer.concat([head, params]);
}

/** Fields of an ErrorResponse ('E'): one-letter code → text. */
function errorFields(body: Buffer): Map<string, string> {
  const fields = new Map<string, string>();
  let at = 0;
  while (at < body.length && body[at] !== 0) {
    const end = body.indexOf(0, at + 1);
    if (end < 0) break;
    fields.set(String.fromCharCode(body[at]!), body.toString('utf8', at + 1, end));
    at = end + 1;
  }
  return fields;
}

/** Backend messages in `reply` (type letter and body), as far as they are whole. */
function messages(reply: Buffer): { type: string; body: Buffer }[] | null {
  const out: { type: string; body: Buffer }[] = [];
  let at = 0;
  while (at + 5 <= reply.length && out.length < 64) {
    const length = reply.readUInt32BE(at + 1);
    if (length < 4 || length > 65536) return null;
    if (at + 1 + length > reply.length) break;
    out.push({ type: String.fromCharCode(reply[at]!), body: reply.subarray(at + 5, at + 1 + length) });
    at += 1 + length;
  }
  return out;
}

/** Ends the read at an error, ReadyForQuery, or an authentication request that needs a password. */
function isWhole(reply: Buffer): boolean {
  const list = messages(reply);
  if (!list) return true;
  return list.some(
    (m) =>
      m.type === 'E' ||
      m.type === 'Z' ||
      (m.type === 'R' && m.body.length >= 4 && m.body.readUInt32BE(0) !== 0),
  );
}

/** StartupMessage for user "earshot"; a server with trust authentication also names its version. */
export const postgresqlProbe: ServiceProbe = {
  id: 'postgresql',
  ports: [5432, 5433],
  request: startupMessage,
  complete: isWhole,
  match(reply) {
    const list = messages(reply);
    const first = list?.[0];
    if (!list || !first || !(first.type === 'R' || first.type === 'E')) return null;
    let auth: string | undefined;
    let error: string | undefined;
    let version: string | undefined;
    for (const { type, body } of list) {
      if (type === 'R' && body.length >= 4) {
        const method = body.readUInt32BE(0);
        if (!(method in AUTH_METHODS)) return null;
        const sasl = method === 10 ? body.toString('latin1', 4).split('\0').filter(Boolean).join(',') : '';
        auth ??= sasl || AUTH_METHODS[method];
      } else if (type === 'E') {
        const fields = errorFields(body);
        if (!fields.has('S') || !/^[0-9A-Z]{5}$/.test(fields.get('C') ?? '')) return null;
        error = fields.get('M')?.slice(0, 120);
      } else if (type === 'S') {
        const [key, value] = body.toString('utf8').split('\0');
        // "15.14 (Debian 15.14-0+deb12u1)": the version, then the build.
        if (key === 'server_version' && value) version = value;
      }
    }
    const build = version ? /\((.*)\)/.exec(version)?.[1] : undefined;
    return compactMatch({
      name: 'postgresql',
      product: 'PostgreSQL DB',
      ...(version ? { version: version.split(' ')[0]! } : {}),
      extraInfo: [auth ? `auth ${auth}` : '', build ?? '', error ?? ''].filter(Boolean).join('; '),
      osHints: osHintsIn(build ?? ''),
      confidence: 10,
    });
  },
};
