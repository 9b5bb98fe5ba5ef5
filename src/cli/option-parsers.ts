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
