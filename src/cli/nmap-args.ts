// nmap's multi-letter short options, which commander cannot parse as such, rewritten into forms it can.
// Kept apart from the option definitions so that every command line passes through here without
// loading the scan engine or the report writers.
import { EarshotError } from '../errors.js';

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

// The long option each of nmap's one-for-one spellings becomes, and back: messages and help name an
// option as the user types it ("-iL"), not as commander holds it ("--iL").
const NMAP_SPELLINGS: ReadonlyMap<string, string> = new Map(
  Object.entries(REWRITES)
    .filter(([, to]) => to.length === 1 && to[0]!.startsWith('--'))
    .map(([from, to]) => [to[0]!, from]),
);

/** nmap's spelling of a long option earshot defines for it ("--iL" → "-iL"), else undefined. */
export function nmapSpelling(longFlag: string | undefined): string | undefined {
  return longFlag === undefined ? undefined : NMAP_SPELLINGS.get(longFlag);
}

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

// -o followed by one capital letter is an output-format flag; one earshot does not know is a typo
// (-oZ) or a format it does not write (nmap's -oS, -oM), never "-o" with a file named "Z".
const FORMAT_FLAG = /^-o[A-Z]$/;

/**
 * Rewrites nmap's `-oX FILE` / `-oXFILE` (and -oN, -oG, -oJ, -oA) into long options, up to `--`;
 * an unknown `-o` + capital letter is ERR_OPTION.
 */
export function expandNmapOutputFlags(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      for (let rest = i; rest < argv.length; rest++) out.push(argv[rest]!);
      break;
    }
    const flag = OUTPUT_FLAGS[arg.slice(0, 3)];
    if (!flag && FORMAT_FLAG.test(arg)) {
      throw new EarshotError(
        'ERR_OPTION',
        `Unknown output format "${arg}": earshot writes -oN (normal), -oX (XML), -oG (grepable), -oJ (JSON) and -oA (all four); to write the report to a file named "${arg.slice(2)}", give "-o ${arg.slice(2)}".`,
      );
    }
    if (flag && arg.length === 3) out.push(flag);
    else if (flag) out.push(flag, arg.slice(3));
    else out.push(arg);
  }
  return out;
}
