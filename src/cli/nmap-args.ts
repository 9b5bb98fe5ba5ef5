// nmap's multi-letter short options, which commander cannot parse as such, rewritten into forms it can.

const COMMANDS_WITH_NMAP_OPTIONS = new Set(['scan', 'verify']);

const REWRITES: Readonly<Record<string, readonly string[]>> = {
  '-iL': ['--iL'],
  '-Pn': ['--Pn'],
  '-sT': ['--sT'],
  '-sU': ['--sU'],
  '-sS': ['--sS'],
  '-sV': ['--sV'],
  '-sTU': ['--sT', '--sU'],
  '-sUT': ['--sT', '--sU'],
  '-p-': ['-p', '1-65535'],
};

/** Rewrites -iL, -Pn, -sT, -sU, -sS, -sV and -p- for `scan` and `verify`; other commands' arguments pass unchanged. */
export function normaliseScanArgs(argv: readonly string[]): string[] {
  if (!argv.some((arg) => COMMANDS_WITH_NMAP_OPTIONS.has(arg))) return [...argv];
  return argv.flatMap((arg) => REWRITES[arg] ?? [arg]);
}
