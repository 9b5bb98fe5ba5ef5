// Bearer tokens and session ids: 256 random bits shown once, stored only as their SHA-256. A fast
// hash is right here (unlike for passwords): the secret is random, so there is nothing to guess.
import { createHash, randomBytes } from 'node:crypto';

/** A new secret with a readable prefix (`es_agent_…`), so that a leaked one is recognisable. */
export function newSecret(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

/** The stored form of a secret. */
export function secretHash(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}
