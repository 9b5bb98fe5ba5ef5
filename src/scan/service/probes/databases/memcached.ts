// memcached: the text protocol's `version` command (memcached protocol.txt, "General-purpose").
import { compactMatch, hasLine, type ServiceProbe } from '../types.js';

/** `version` → `VERSION 1.6.18`. */
export const memcachedProbe: ServiceProbe = {
  id: 'memcached',
  ports: [11211],
  request: () => Buffer.from('version\r\n'),
  complete: hasLine,
  match(reply) {
    const m = /^VERSION (\S+)\r?\n/.exec(reply.toString('latin1', 0, 128));
    if (!m) return null;
    return compactMatch({ name: 'memcached', product: 'Memcached', version: m[1]!, confidence: 10 });
  },
};
