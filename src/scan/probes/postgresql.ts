// PostgreSQL: a v3 StartupMessage (postgresql.org/docs/current/protocol-message-formats.html). The
// server answers with an authentication request or an ErrorResponse; it names its version only
// after a successful login (ParameterStatus server_version), which earshot never attempts.
import { compactMatch, type ServiceProbe } from './types.js';

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

/** StartupMessage for user "earshot"; reads the first message of the answer. */
export const postgresqlProbe: ServiceProbe = {
  id: 'postgresql',
  ports: [5432, 5433],
  request: startupMessage,
  complete: (reply) => reply.length >= 5 && reply.length >= 1 + reply.readUInt32BE(1),
  match(reply) {
    if (reply.length < 9) return null;
    const type = String.fromCharCode(reply[0]!);
    const length = reply.readUInt32BE(1);
    if (length < 8 || length > 65536 || reply.length < 1 + length) return null;
    const body = reply.subarray(5, 1 + length);
    if (type === 'R') {
      const method = body.readUInt32BE(0);
      if (!(method in AUTH_METHODS)) return null;
      const sasl = method === 10 ? body.toString('latin1', 4).split('\0').filter(Boolean).join(',') : '';
      return compactMatch({
        name: 'postgresql',
        product: 'PostgreSQL DB',
        extraInfo: `auth ${sasl || AUTH_METHODS[method]}`,
        confidence: 10,
      });
    }
    if (type === 'E') {
      const fields = errorFields(body);
      if (!fields.has('S') || !fields.has('C') || !/^[0-9A-Z]{5}$/.test(fields.get('C')!)) return null;
      return compactMatch({
        name: 'postgresql',
        product: 'PostgreSQL DB',
        extraInfo: fields.get('M')?.slice(0, 120) ?? '',
        confidence: 10,
      });
    }
    return null;
  },
};
