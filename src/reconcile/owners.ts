// Owners that look wrong: an executable deleted after it started, or one run from a place anyone can
// write to. How owners read in words is describe/owners.ts's job.
import type { Owner } from '../model.js';

/** Places from which no installed program should run: writable by everyone, or memory-only. */
const WORLD_WRITABLE_PREFIXES = ['/tmp/', '/var/tmp/', '/dev/shm/', '/run/shm/', 'memfd:', '/memfd:'];

/** Why an owner looks wrong (deleted or world-writable executable), or null when it does not. */
export function ownerSuspicion(owner: Owner): string | null {
  if (owner.exeDeleted) return `its executable ${owner.exe ?? '(unknown)'} was deleted after it started`;
  const exe = owner.exe;
  if (exe && WORLD_WRITABLE_PREFIXES.some((prefix) => exe.startsWith(prefix))) {
    return `it runs from ${exe}, a place anyone can write to`;
  }
  return null;
}
