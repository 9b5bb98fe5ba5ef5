// IMAP: the server greets with an untagged "* OK" (RFC 9051 §7.1.1), often with its capabilities.
import { compactMatch, firstLine, hasLine, osHintsIn, type ServiceProbe } from '../types.js';

/** IMAP greeting; Dovecot, Courier and Cyrus name themselves. */
export const imapProbe: ServiceProbe = {
  id: 'imap',
  ports: [143, 993],
  complete: hasLine,
  match(reply) {
    const line = firstLine(reply);
    if (!line || !/^\* (OK|PREAUTH)\b/i.test(line)) return null;
    const cyrus = /Cyrus IMAP\S* v?([\d.]+)/i.exec(line);
    const product = /Dovecot/i.test(line)
      ? 'Dovecot imapd'
      : /Courier/i.test(line)
        ? 'Courier imapd'
        : cyrus
          ? 'Cyrus imapd'
          : undefined;
    return compactMatch({
      name: 'imap',
      ...(product ? { product } : {}),
      ...(cyrus?.[1] ? { version: cyrus[1] } : {}),
      osHints: osHintsIn(line),
      confidence: product ? 10 : 8,
    });
  },
};
