// The one error type earshot throws: a stable `code` to match on, a message that names the input
// and the fix, and the underlying error as `cause`.

/** Every error code earshot can raise; callers and tests match on these, never on messages. */
export type EarshotErrorCode =
  | 'ERR_TARGET_SPEC'
  | 'ERR_TARGET_RESOLVE'
  | 'ERR_TARGET_FILE'
  | 'ERR_PORT_SPEC'
  | 'ERR_OPTION'
  | 'ERR_PROC_READ'
  | 'ERR_CATALOG_READ'
  | 'ERR_BASELINE'
  | 'ERR_REPORT_READ'
  | 'ERR_RPC'
  | 'ERR_RESOURCE'
  | 'ERR_INTERRUPTED'
  | 'ERR_STORE_OPEN'
  | 'ERR_STORE_LOCKED'
  | 'ERR_STORE_CORRUPT'
  | 'ERR_STORE_READONLY'
  | 'ERR_STORE_VERSION'
  | 'ERR_DB'
  | 'ERR_DB_SCHEMA'
  | 'ERR_SERVER'
  | 'ERR_AGENT_TOKEN';

/**
 * Codes that mean the user's input was wrong (exit status 64, EX_USAGE). Every file and folder
 * earshot reads (a baseline, a catalog, a procfs root, a report) is one the user named or can name
 * with an option, so a path that cannot be read is a usage error too.
 */
export const USAGE_ERROR_CODES: ReadonlySet<EarshotErrorCode> = new Set([
  'ERR_TARGET_SPEC',
  'ERR_TARGET_RESOLVE',
  'ERR_TARGET_FILE',
  'ERR_PORT_SPEC',
  'ERR_OPTION',
  'ERR_BASELINE',
  'ERR_REPORT_READ',
  'ERR_CATALOG_READ',
  'ERR_PROC_READ',
  'ERR_AGENT_TOKEN',
]);

/** An earshot failure with a stable code and an actionable message. */
export class EarshotError extends Error {
  readonly code: EarshotErrorCode;

  constructor(code: EarshotErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EarshotError';
    this.code = code;
  }
}

/** True when `error` is an EarshotError, optionally with the given code. */
export function isEarshotError(error: unknown, code?: EarshotErrorCode): error is EarshotError {
  return error instanceof EarshotError && (code === undefined || error.code === code);
}

/** The errno code (`ENOENT`, `EACCES`, ...) of a Node system error, if it has one. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

const MAX_QUOTED_CHARS = 200;

/**
 * How a message quotes a value the user or a file gave: in double quotes, as it is (the CLI escapes
 * every message once when it prints it), cut at 200 characters so a megabyte line stays readable.
 */
export function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return text.length > MAX_QUOTED_CHARS ? `"${text.slice(0, MAX_QUOTED_CHARS)}…"` : `"${text}"`;
}

/** Errors of a store earshot keeps (the history store, the fleet database): not earshot's bug, not usage. */
export const UNAVAILABLE_ERROR_CODES: ReadonlySet<EarshotErrorCode> = new Set([
  'ERR_STORE_OPEN',
  'ERR_STORE_LOCKED',
  'ERR_STORE_CORRUPT',
  'ERR_STORE_READONLY',
  'ERR_STORE_VERSION',
  'ERR_DB',
  'ERR_DB_SCHEMA',
]);
