// Where the history store lives by default, and the command-line forms of its durations. The
// library takes a path; reading the uid and the environment to choose it is the CLI's job.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { EarshotError } from '../errors.js';
import type { VerifyReport } from '../model.js';
import { openStore } from '../store/open-store.js';
import { recordVerifyRun } from '../store/verify-record.js';

/** /var/lib/earshot/earshot.db as root, else $XDG_STATE_HOME/earshot/earshot.db (~/.local/state/...). */
export function defaultDbPath(): string {
  if (process.getuid?.() === 0) return '/var/lib/earshot/earshot.db';
  const state = process.env.XDG_STATE_HOME;
  // XDG Base Directory: a relative path in the variable is invalid and must be ignored.
  const base = state?.startsWith('/') ? state : join(homedir(), '.local', 'state');
  return join(base, 'earshot', 'earshot.db');
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "500ms", "1s", "15m", "24h", "90d" (a bare number is seconds) → milliseconds. ERR_OPTION otherwise. */
export function parseDuration(text: string, option: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) {
    throw new EarshotError(
      'ERR_OPTION',
      `Invalid ${option} "${text}": write a number with a unit, such as 500ms, 1s, 15m, 24h or 90d.`,
    );
  }
  return Math.round(Number(match[1]) * UNIT_MS[match[2] ?? 's']!);
}

/** --since: a duration back from now ("24h") or an ISO 8601 time → an ISO 8601 time. */
export function parseSince(text: string, now = Date.now()): string {
  if (/^\d+(?:\.\d+)?(ms|s|m|h|d)$/.test(text.trim())) {
    return new Date(now - parseDuration(text, '--since')).toISOString();
  }
  const time = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text.trim()) || Number.isNaN(time)) {
    throw new EarshotError(
      'ERR_OPTION',
      `Invalid --since "${text}": give a duration back from now (24h, 7d) or an ISO 8601 time (2026-01-31T12:00:00Z).`,
    );
  }
  return new Date(time).toISOString();
}

/** verify --save: records the report and its findings; says where on stderr. */
export function saveVerifyReport(report: VerifyReport, db: string | undefined): void {
  const path = db ?? defaultDbPath();
  const store = openStore(path);
  try {
    const { reportId } = recordVerifyRun(store, report, 'verify');
    process.stderr.write(`earshot: saved the report as ${reportId} in ${path}\n`);
  } finally {
    store.close();
  }
}
