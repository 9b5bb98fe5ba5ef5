// DNS over TCP (RFC 1035 §4.2.2, 2-byte length prefix): version.bind CHAOS TXT names the server.
import { compactMatch, osHintsIn, type ServiceProbe } from './types.js';

const QUERY_ID = 0x4553;

function versionBindQuery(): Buffer {
  const name = Buffer.from('\x07version\x04bind\x00', 'latin1');
  const message = Buffer.alloc(12 + name.length + 4);
  message.writeUInt16BE(QUERY_ID, 0);
  message.writeUInt16BE(0x0000, 2); // standard query, no recursion
  message.writeUInt16BE(1, 4); // QDCOUNT
  name.copy(message, 12);
  message.writeUInt16BE(16, 12 + name.length); // TXT
  message.writeUInt16BE(3, 14 + name.length); // CH
  const framed = Buffer.alloc(2 + message.length);
  framed.writeUInt16BE(message.length, 0);
  message.copy(framed, 2);
  return framed;
}

/** Offset just past a (possibly compressed) domain name, or -1 when it runs off the end. */
function skipName(message: Buffer, at: number): number {
  for (let steps = 0; steps < 128 && at < message.length; steps++) {
    const length = message[at]!;
    if (length === 0) return at + 1;
    if ((length & 0xc0) === 0xc0) return at + 2 <= message.length ? at + 2 : -1;
    at += 1 + length;
  }
  return -1;
}

/** The first TXT answer's strings joined, or null. */
function firstTxt(message: Buffer, answers: number): string | null {
  let at = skipName(message, 12);
  if (at < 0) return null;
  at += 4;
  for (let i = 0; i < answers; i++) {
    at = skipName(message, at);
    if (at < 0 || at + 10 > message.length) return null;
    const type = message.readUInt16BE(at);
    const rdLength = message.readUInt16BE(at + 8);
    const rdStart = at + 10;
    if (rdStart + rdLength > message.length) return null;
    if (type === 16) {
      const parts: string[] = [];
      for (let p = rdStart; p < rdStart + rdLength; ) {
        const len = message[p]!;
        parts.push(message.toString('latin1', p + 1, Math.min(p + 1 + len, rdStart + rdLength)));
        p += 1 + len;
      }
      return parts.join('');
    }
    at = rdStart + rdLength;
  }
  return null;
}

const SERVERS: [RegExp, string][] = [
  [/^dnsmasq-(\S+)/i, 'dnsmasq'],
  [/^unbound (\S+)/i, 'Unbound'],
  [/^(\d+\.\d+\.\d+\S*)/, 'ISC BIND'],
  [/^PowerDNS Recursor (\S+)/i, 'PowerDNS Recursor'],
  [/^Knot DNS (\S+)/i, 'Knot DNS'],
  [/^NSD (\S+)/i, 'NSD'],
];

/** version.bind CH TXT over TCP; a REFUSED answer still shows a DNS server. */
export const dnsProbe: ServiceProbe = {
  id: 'dns',
  ports: [53, 5353],
  request: versionBindQuery,
  complete: (reply) => reply.length >= 2 && reply.length >= 2 + reply.readUInt16BE(0),
  match(reply) {
    if (reply.length < 14) return null;
    const length = reply.readUInt16BE(0);
    if (length < 12 || reply.length < 2 + length) return null;
    const message = reply.subarray(2, 2 + length);
    if (message.readUInt16BE(0) !== QUERY_ID || (message[2]! & 0x80) === 0) return null;
    const rcode = message[3]! & 0x0f;
    const txt = rcode === 0 ? firstTxt(message, message.readUInt16BE(6)) : null;
    if (txt) {
      for (const [pattern, product] of SERVERS) {
        const m = pattern.exec(txt);
        if (m) {
          const version = product === 'ISC BIND' ? m[1]!.split('-')[0]! : m[1]!;
          return compactMatch({ name: 'domain', product, version, osHints: osHintsIn(txt), confidence: 10 });
        }
      }
      return compactMatch({ name: 'domain', extraInfo: `version.bind: ${txt.slice(0, 80)}`, confidence: 9 });
    }
    return compactMatch({ name: 'domain', extraInfo: `version.bind rcode ${rcode}`, confidence: 8 });
  },
};
