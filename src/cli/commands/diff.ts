// `earshot diff OLD NEW`: what changed between two scan reports (earshot JSON or nmap/earshot XML),
// with ndiff's exit contract: 0 no change, 1 changes, 2 an error.
import { Command } from 'commander';
import { diffReports } from '../../compare/diff.js';
import { readReport } from '../../compare/read-report.js';
import { isEarshotError } from '../../errors.js';
import { renderDiffText } from '../../report/diff-text.js';
import { stringifySafeJson } from '../../report/safe-json.js';
import { ExitCode } from '../exit-codes.js';
import { printError } from '../print-error.js';

async function runDiff(oldFile: string, newFile: string, options: { json?: boolean }): Promise<void> {
  try {
    const [before, after] = await Promise.all([readReport(oldFile), readReport(newFile)]);
    const diff = diffReports(before, after);
    process.stdout.write(options.json ? `${stringifySafeJson(diff)}\n` : renderDiffText(diff));
    // ndiff's statuses, so that scripts written for ndiff keep working.
    process.exitCode = diff.changeCount > 0 ? ExitCode.changed : ExitCode.ok;
  } catch (error) {
    if (!isEarshotError(error)) throw error;
    printError(error.message);
    process.exitCode = ExitCode.unreadable;
  }
}

/** Builds the `diff` command. */
export function diffCommand(): Command {
  return new Command('diff')
    .description('compare two scan reports (earshot JSON, or nmap/earshot XML, mixed as you like)')
    .argument('<old>', 'the earlier report')
    .argument('<new>', 'the later report')
    .option('--json', 'print the differences as JSON')
    .addHelpText(
      'after',
      `
Hosts are matched by IP address. Reported: hosts that appeared, disappeared or went up or down,
changed host names, ports opened or closed, other state changes, changed services, and changes in
the counts of ports not shown. The text output follows ndiff: "-" lines are the old report, "+"
lines the new one.

Exit status (ndiff's): 0 no differences, 1 differences, 2 an error (unreadable or malformed report).

Examples:
  earshot diff monday.xml tuesday.xml
  earshot diff --json baseline.json today.xml`,
    )
    .action(runDiff);
}
