// Redis: RESP (redis.io/docs/reference/protocol-spec); INFO server names the version and the OS.
import { compactMatch, type ServiceProbe } from '../types.js';

/** `INFO server` as an inline command; a password-protected server answers -NOAUTH. */
export const redisProbe: ServiceProbe = {
  id: 'redis',
  ports: [6379, 6380, 16379],
  request: () => Buffer.from('INFO server\r\n'),
  complete(reply) {
    const m = /^\$(\d+)\r\n/.exec(reply.toString('latin1', 0, 24));
    if (m) return reply.length >= m[0].length + Number(m[1]) + 2;
    return reply.includes(0x0a);
  },
  match(reply) {
    const text = reply.toString('latin1');
    if (/^-(NOAUTH|ERR|DENIED|WRONGPASS)/.test(text) && /auth|protected mode|redis/i.test(text)) {
      return {
        name: 'redis',
        product: 'Redis key-value store',
        extraInfo: 'authentication required',
        confidence: 8,
      };
    }
    if (!/^\$\d+\r\n/.test(text) || !text.includes('redis_version:')) return null;
    const field = (name: string) => new RegExp(`^${name}:(.*?)\\r?$`, 'm').exec(text)?.[1];
    const os = field('os');
    const mode = field('redis_mode');
    return compactMatch({
      name: 'redis',
      product: 'Redis key-value store',
      version: field('redis_version') ?? '',
      extraInfo: [mode ? `mode ${mode}` : '', os ?? ''].filter(Boolean).join('; '),
      osHints: os ? [os.split(' ')[0]!] : [],
      confidence: 10,
    });
  },
};
