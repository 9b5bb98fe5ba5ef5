// HTTP/1.x: a GET of / (RFC 9112); the Server header names the product, <title> the page.
import { compactMatch, osHintsIn, type ServiceProbe } from './types.js';

const HEADER_END = Buffer.from('\r\n\r\n');

/** Splits `nginx/1.22.1 (Debian)` into product, version and comment. */
export function parseServerHeader(value: string): { product: string; version?: string; comment?: string } {
  const m = /^([^/\s]+)(?:\/(\S+))?\s*(?:\((.*)\))?/.exec(value.trim());
  if (!m) return { product: value.trim() };
  const product = m[1] === 'Apache' ? 'Apache httpd' : m[1]!;
  return { product, ...(m[2] ? { version: m[2] } : {}), ...(m[3] ? { comment: m[3] } : {}) };
}

/** HTTP GET of / over HTTP/1.0, so the server closes the connection when done. */
export const httpProbe: ServiceProbe = {
  id: 'http',
  ports: [80, 443, 8000, 8008, 8080, 8081, 8443, 8888, 3000, 5000, 9000],
  request: (context) => {
    const host = context.address.includes(':') ? `[${context.address}]` : context.address;
    return Buffer.from(
      `GET / HTTP/1.0\r\nHost: ${host}:${context.port}\r\nUser-Agent: earshot\r\nAccept: */*\r\n\r\n`,
    );
  },
  complete: (reply) => reply.includes('</title>') || reply.includes('</TITLE>'),
  match(reply) {
    const text = reply.toString('latin1');
    const status = /^HTTP\/(\d\.\d) (\d{3})/.exec(text);
    if (!status) return null;
    const headEnd = reply.indexOf(HEADER_END);
    const head = headEnd < 0 ? text : text.slice(0, headEnd);
    const server = /^server:[ \t]*(.*)$/im.exec(head)?.[1]?.trim();
    const title = /<title[^>]*>([^<]{0,200})/i.exec(text)?.[1]?.trim().replace(/\s+/g, ' ');
    const parsed = server ? parseServerHeader(server) : undefined;
    const extra = [parsed?.comment, title ? `title: ${title}` : undefined].filter(Boolean).join('; ');
    return compactMatch({
      name: 'http',
      ...(parsed ? { product: parsed.product } : {}),
      ...(parsed?.version ? { version: parsed.version } : {}),
      extraInfo: extra,
      osHints: osHintsIn(server ?? ''),
      confidence: parsed ? 10 : 8,
    });
  },
};

/** True for nginx's and Apache's answer to plain HTTP sent to a TLS port: the port speaks TLS. */
export function isPlainHttpToTlsPort(reply: Buffer): boolean {
  const text = reply.toString('latin1');
  return /plain HTTP request was sent to HTTPS port|speaking plain HTTP to an SSL-enabled server/i.test(text);
}
