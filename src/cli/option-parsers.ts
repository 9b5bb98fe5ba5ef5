// The parsers every command uses for its option values, so that a number or a port list means the
// same in every command and a bad one gets the same usage error (exit 64) naming the option.
import { EarshotError } from '../errors.js';
import { parsePortSpec } from '../scan/targets/ports.js';

/** A whole number from `min` to `max`, or ERR_OPTION naming `option` and the range. */
export function parseInteger(text: string, option: string, min: number, max: number): number {
  const trimmed = text.trim();
  // At most 15 digits, so every accepted text is an exact integer before the range check.
  const value = /^\d{1,15}$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!(value >= min && value <= max)) {
    throw new EarshotError(
      'ERR_OPTION',
      `Invalid ${option} "${text}": give a whole number from ${min} to ${max}.`,
    );
  }
  return value;
}

/**
 * Ports in nmap's syntax, the one grammar of every command: "22", "22,80-90", "-" for all, "60000-";
 * ascending, each once. `allowZero` for filters (local --port 0), not for scans.
 */
export function parsePortList(text: string, options: { allowZero?: boolean } = {}): number[] {
  return parsePortSpec(text, options);
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * "500ms", "1s", "1.5h", "24h", "90d" (a bare number is seconds) → milliseconds; at least `minMs`
 * when given (a duration that must not be 0). ERR_OPTION otherwise.
 */
export function parseDuration(text: string, option: string, options: { minMs?: number } = {}): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  const ms = match ? Math.round(Number(match[1]) * UNIT_MS[match[2] ?? 's']!) : Number.NaN;
  if (!match || !Number.isSafeInteger(ms)) {
    throw new EarshotError(
      'ERR_OPTION',
      `Invalid ${option} "${text}": write a number with a unit, such as 500ms, 1s, 15m, 24h or 90d.`,
    );
  }
  if (options.minMs !== undefined && ms < options.minMs) {
    throw new EarshotError(
      'ERR_OPTION',
      `Invalid ${option} "${text}": give at least ${options.minMs} ms, such as 90s, 15m, 1.5h or 1d.`,
    );
  }
  return ms;
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
