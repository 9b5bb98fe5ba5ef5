// POP3: the server greets with "+OK ..." (RFC 1939 §4).
import { compactMatch, firstLine, hasLine, osHintsIn, type ServiceProbe } from '../types.js';

/** POP3 greeting; Dovecot and Courier name themselves. */
export const pop3Probe: ServiceProbe = {
  id: 'pop3',
  ports: [110, 995],
  complete: hasLine,
  match(reply) {
    const line = firstLine(reply);
    if (!line || !/^\+OK\b/.test(line)) return null;
    const product = /Dovecot/i.test(line)
      ? 'Dovecot pop3d'
      : /Courier/i.test(line)
        ? 'Courier pop3d'
        : /Cyrus/i.test(line)
          ? 'Cyrus pop3d'
          : undefined;
    return compactMatch({
      name: 'pop3',
      ...(product ? { product } : {}),
      osHints: osHintsIn(line),
      confidence: product ? 10 : 8,
    });
  },
};
