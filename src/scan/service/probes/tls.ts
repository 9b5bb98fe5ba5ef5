// TLS: the handshake itself is the probe. node:tls sends a ClientHello with SNI (when the target has
// a name) and ALPN; the ServerHello and certificate give version, ALPN, subject, issuer and validity.
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { TlsInfo } from '../../../model.js';

/** Ports where TLS is expected from the first byte (https, smtps, imaps, pop3s, ldaps, ...). */
export const TLS_PORTS: ReadonlySet<number> = new Set([443, 465, 636, 853, 993, 995, 5061, 8443, 9443]);

/** ALPN offers: HTTP/2 and HTTP/1.1, as a browser would. */
export const ALPN_OFFER = ['h2', 'http/1.1'];

const distinguishedName = (name: Record<string, string | string[]> | undefined): string =>
  name
    ? Object.entries(name)
        .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : value}`)
        .join(', ')
    : '';

const isoDate = (text: string): string => {
  const time = Date.parse(text);
  return Number.isNaN(time) ? text : new Date(time).toISOString();
};

/** What a finished handshake showed. */
export function describeTls(socket: TLSSocket): TlsInfo {
  const cert = socket.getPeerCertificate() as PeerCertificate | Record<string, never>;
  const subject = distinguishedName((cert as PeerCertificate).subject as never);
  const issuer = distinguishedName((cert as PeerCertificate).issuer as never);
  return {
    protocol: socket.getProtocol() ?? 'unknown',
    alpn: typeof socket.alpnProtocol === 'string' ? socket.alpnProtocol : null,
    subject,
    issuer,
    validFrom: cert.valid_from ? isoDate(cert.valid_from) : '',
    validTo: cert.valid_to ? isoDate(cert.valid_to) : '',
    selfSigned: subject !== '' && subject === issuer,
  };
}

/** True when a reply to a cleartext probe is a TLS record (an alert or handshake): the port wants TLS. */
export function looksLikeTlsRecord(reply: Buffer): boolean {
  return reply.length >= 5 && (reply[0] === 0x15 || reply[0] === 0x16) && reply[1] === 0x03;
}
