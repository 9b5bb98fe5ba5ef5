// MySQL/MariaDB: the server speaks first with a Protocol::HandshakeV10 packet (dev.mysql.com
// "Connection Phase"), or an ERR packet when this client host is not allowed.
import { compactMatch, osHintsIn, type ServiceProbe } from '../types.js';

/** The server's greeting packet: protocol 10 and a NUL-terminated version string. */
export const mysqlProbe: ServiceProbe = {
  id: 'mysql',
  ports: [3306, 3307],
  complete: (reply) => reply.length >= 4 && reply.length >= 4 + reply.readUIntLE(0, 3),
  match(reply) {
    if (reply.length < 5) return null;
    const length = reply.readUIntLE(0, 3);
    if (length < 2 || length > 1024 || reply[3] !== 0 || reply.length < 4 + length) return null;
    const payload = reply.subarray(4, 4 + length);
    if (payload[0] === 0xff) {
      const message = payload.toString('utf8', 3);
      if (!/MySQL|MariaDB|not allowed to connect/i.test(message)) return null;
      return compactMatch({
        name: 'mysql',
        product: /MariaDB/.test(message) ? 'MariaDB' : 'MySQL',
        extraInfo: message.slice(0, 120),
        confidence: 9,
      });
    }
    if (payload[0] !== 10) return null;
    const end = payload.indexOf(0, 1);
    if (end < 2 || end > 80) return null;
    const raw = payload.toString('latin1', 1, end);
    if (!/^\d+\.\d+/.test(raw)) return null;
    // MariaDB 10+ prefixes "5.5.5-" so that old clients accept it.
    const full = raw.replace(/^5\.5\.5-(?=\d)/, '');
    const mariadb = /MariaDB/i.test(full);
    const version = /^[\d.]+/.exec(full)![0];
    const suffix = full.slice(version.length).replace(/^-/, '');
    return compactMatch({
      name: 'mysql',
      product: mariadb ? 'MariaDB' : 'MySQL',
      version,
      extraInfo: suffix.replace(/-?MariaDB-?/i, ''),
      osHints: osHintsIn(suffix),
      confidence: 10,
    });
  },
};
