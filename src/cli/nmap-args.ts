// nmap's multi-letter short options, which commander cannot parse as such, rewritten into forms it can.
// Kept apart from the option definitions so that every command line passes through here without
// loading the scan engine or the report writers.

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

// -oX FILE and friends (see output-files.ts) as the long options the scan and verify commands define.
const OUTPUT_FLAGS: Record<string, string> = {
  '-oN': '--output-normal',
  '-oX': '--output-xml',
  '-oG': '--output-grepable',
  '-oJ': '--output-json',
  '-oA': '--output-all',
};

/** Rewrites nmap's `-oX FILE` / `-oXFILE` (and -oN, -oG, -oJ, -oA) into long options, up to `--`. */
export function expandNmapOutputFlags(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const flag = OUTPUT_FLAGS[arg.slice(0, 3)];
    if (flag && arg.length === 3) out.push(flag);
    else if (flag) out.push(flag, arg.slice(3));
    else out.push(arg);
  }
  return out;
}
