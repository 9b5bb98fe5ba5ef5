// Who is watching a store: this process's pid and start time, and whether a recorded writer still
// runs. The start time (proc(5) stat field 22) tells a live writer from a dead one whose pid was reused.
import { parseStat, readProcFileOrNull } from '../inventory/proc-owners.js';
import type { WriterClaim } from '../store/store.js';

function startTicks(pid: number | 'self'): string | null {
  const text = readProcFileOrNull(`/proc/${pid}/stat`);
  const parsed = text === null ? null : parseStat(text);
  return parsed ? String(parsed.startTicks) : null;
}

/** This process as a store's writer. */
export function ownClaim(): WriterClaim {
  return { pid: process.pid, startTime: startTicks('self'), since: new Date().toISOString() };
}

/** True when the process of `claim` still runs (same pid, same start time). */
export function claimIsAlive(claim: WriterClaim): boolean {
  const now = startTicks(claim.pid);
  return now !== null && (claim.startTime === null || claim.startTime === now);
}
