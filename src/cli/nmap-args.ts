// nmap's multi-letter short options, which commander cannot parse as such, rewritten into forms it can.

const COMMANDS_WITH_NMAP_OPTIONS = new Set(['scan', 'verify']);

/** Rewrites -iL, -Pn and -p- for `scan` and `verify`; other commands' arguments pass unchanged. */
export function normaliseScanArgs(argv: readonly string[]): string[] {
  if (!argv.some((arg) => COMMANDS_WITH_NMAP_OPTIONS.has(arg))) return [...argv];
  return argv.flatMap((arg) => {
    if (arg === '-iL') return ['--iL'];
    if (arg === '-Pn') return ['--Pn'];
    if (arg === '-p-') return ['-p', '1-65535'];
    return [arg];
  });
}
