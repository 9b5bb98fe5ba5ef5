// Dashboard passwords, stored as scrypt (RFC 7914) hashes with a random salt: the parameters live
// in the stored string, so they can grow without invalidating old hashes.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { EarshotError } from '../../../errors.js';

// N = 2^15, r = 8, p = 1: OWASP's 2023 minimum for scrypt; ~50 ms and 32 MiB here.
const COST = { N: 32768, r: 8, p: 1 };
const KEY_BYTES = 32;
const MAX_MEMORY = 64 * 1024 * 1024;

function derive(password: string, salt: Buffer, cost: typeof COST): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, { ...cost, maxmem: MAX_MEMORY }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** Checks a new password's length; throws ERR_OPTION otherwise. */
export function checkPassword(password: string): string {
  if (password.length < 10 || password.length > 1024) {
    throw new EarshotError(
      'ERR_OPTION',
      'The password must have 10 to 1024 characters; give a longer one on stdin.',
    );
  }
  return password;
}

/** `scrypt$N$r$p$salt$key` (base64url) for a password. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, COST);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** True when `password` matches `stored`; a malformed stored hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'), {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

// Compared against when the user does not exist, so that a wrong name costs as long as a wrong password.
let decoy: Promise<string> | undefined;

/** A stored hash no password matches in practice, for unknown user names. */
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString('hex'));
  return decoy;
}
