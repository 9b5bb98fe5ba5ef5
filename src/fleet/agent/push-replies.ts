// What the agent makes of the server's answer to a push: taken; refused for good (the same body will
// never be taken, so it must not hold up the queue); a credential the server will never accept
// (stop, and say so); or a moment's trouble (retry later).
import { EarshotError } from '../../errors.js';
import type { EarshotEvent } from '../../model.js';
import type { PushReply } from './push-client.js';

/** What to do after an answer. */
export type ReplyVerdict = 'taken' | 'refused' | 'retry' | 'stop';

/** Sorts an answer (docs/fleet/fleet.md lists the server's statuses). */
export function judgeReply(reply: PushReply): ReplyVerdict {
  const { status } = reply;
  if (status >= 200 && status <= 299) return 'taken';
  if (status === 401) return 'stop';
  // Our server's 403s: a body naming another host (that body only), or a token that is not an
  // agent token (every push). Another 403 came from something in between: try again later.
  if (status === 403)
    return reply.code === 'wrong-host' ? 'refused' : reply.code === 'forbidden' ? 'stop' : 'retry';
  if (status === 400 || status === 413) return 'refused';
  // 429, 503 and the rest (a proxy's 502, a 404 from a wrong --server path): keep it and retry.
  return 'retry';
}

/** The error that ends the agent when the server will not take its token. */
export function tokenError(server: URL, reply: PushReply): EarshotError {
  const why =
    reply.status === 401
      ? 'refused the agent token: it is wrong or revoked'
      : 'does not let this token push: it is not an agent token';
  return new EarshotError(
    'ERR_AGENT_TOKEN',
    `The server ${server.href} ${why} (${reply.status}: ${reply.message}). Make one with \`earshot server token --agent HOST\` (HOST: this host's name) and put it in the token file.`,
  );
}

/**
 * What to do with a batch of events the server refused: send only its first `resendFirst` events
 * (those before the bad one, or half when the answer does not say which one is bad: too large),
 * or, once the bad one comes first, leave out `refused`.
 */
export function splitRefusedBatch<T extends { event: EarshotEvent }>(
  items: readonly T[],
  reply: PushReply,
): { resendFirst: number; refused: [] } | { resendFirst: null; refused: T[] } {
  const pointed = /^\/events\/(\d+)(\/|$)/.exec(reply.path ?? '');
  const index = pointed ? Number(pointed[1]) : reply.code === 'wrong-host' ? 0 : null;
  if (index !== null && index > 0 && index < items.length) return { resendFirst: index, refused: [] };
  if (index === null && items.length > 1) return { resendFirst: Math.ceil(items.length / 2), refused: [] };
  const first = items[0]!;
  // A body naming another host: every event of that host name is refused alike.
  const refused =
    reply.code === 'wrong-host' ? items.filter((item) => item.event.host === first.event.host) : [first];
  return { resendFirst: null, refused };
}
