// SMTP: the server greets with "220 host ESMTP ..." (RFC 5321 §4.2); Exim and Postfix name themselves.
import { compactMatch, firstLine, hasLine, osHintsIn, type ServiceProbe } from '../types.js';

const PRODUCTS: [RegExp, string][] = [
  [/\bExim (\d[\w.]*)/, 'Exim smtpd'],
  [/\bPostfix\b()/, 'Postfix smtpd'],
  [/\bSendmail (\d[\w./]*)/i, 'Sendmail'],
  [/\bOpenSMTPD\b()/, 'OpenSMTPD'],
  [/Microsoft ESMTP MAIL Service, Version: ([\d.]+)/, 'Microsoft ESMTP'],
];

/** SMTP greeting (also submission and smtps inside TLS). */
export const smtpProbe: ServiceProbe = {
  id: 'smtp',
  ports: [25, 465, 587, 2525],
  complete: hasLine,
  match(reply) {
    const line = firstLine(reply);
    if (!line || !/^220[ -]/.test(line) || !/SMTP/i.test(line)) return null;
    for (const [pattern, product] of PRODUCTS) {
      const m = pattern.exec(line);
      if (m) {
        return compactMatch({
          name: 'smtp',
          product,
          ...(m[1] ? { version: m[1] } : {}),
          osHints: osHintsIn(line),
          confidence: 10,
        });
      }
    }
    return compactMatch({ name: 'smtp', osHints: osHintsIn(line), confidence: 8 });
  },
};
