// Where the history store lives by default, and verify --save. The library takes a path; reading
// the uid and the environment to choose it is the CLI's job.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { VerifyReport } from '../model.js';
import { escapeForTerminal } from '../report/terminal-escape.js';
import { checkStorePath, openStore } from '../store/open-store.js';
import { recordVerifyRun } from '../store/verify-record.js';

/** /var/lib/earshot/earshot.db as root, else $XDG_STATE_HOME/earshot/earshot.db (~/.local/state/...). */
export function defaultDbPath(): string {
  if (process.getuid?.() === 0) return '/var/lib/earshot/earshot.db';
  const state = process.env.XDG_STATE_HOME;
  // XDG Base Directory: a relative path in the variable is invalid and must be ignored.
  const base = state?.startsWith('/') ? state : join(homedir(), '.local', 'state');
  return join(base, 'earshot', 'earshot.db');
}

/** Checks verify --save's store before the run: a FIFO, a device or a folder as --db fails at once. */
export function checkSavePath(db: string | undefined): void {
  checkStorePath(db ?? defaultDbPath());
}

/** verify --save: records the report and its findings; says where on stderr. */
export function saveVerifyReport(report: VerifyReport, db: string | undefined): void {
  const path = db ?? defaultDbPath();
  const store = openStore(path);
  try {
    const { reportId } = recordVerifyRun(store, report, 'verify');
    process.stderr.write(`earshot: saved the report as ${reportId} in ${escapeForTerminal(path)}\n`);
  } finally {
    store.close();
  }
}
