// Runs the built `earshot verify` inside a test namespace and parses its JSON report, checked
// against the published schema.
import assert from 'node:assert/strict';
import { loadReportValidator } from '../../src/compare/report-schema.js';
import type { Finding, VerifyPort, VerifyReport } from '../../src/model.js';
import { earshotCommand } from './cli.js';
import type { CommandResult, Netns } from './netns/netns.js';

/** A verify run: exit status, parsed report and stderr. */
export interface VerifyRun {
  code: number;
  report: VerifyReport;
  stderr: string;
}

/** Runs `[prefix...] node earshot verify --json ...args` in `ns` and validates the report. */
export async function verifyIn(ns: Netns, args: string[], prefix: string[] = []): Promise<VerifyRun> {
  const [file, ...rest] = earshotCommand(['verify', '--json', ...args], prefix);
  const result: CommandResult = await ns.exec(file, rest, { timeoutMs: 120_000 });
  let report: VerifyReport;
  try {
    report = JSON.parse(result.stdout) as VerifyReport;
  } catch {
    assert.fail(`verify printed no JSON (exit ${result.code}); stderr: ${result.stderr}`);
  }
  const validate = await loadReportValidator('verify');
  assert.deepEqual(validate(report), [], 'the verify JSON matches schema/earshot-verify.schema.json');
  return { code: result.code, report, stderr: result.stderr };
}

/** The report's row for a port (and address, when given). */
export function rowFor(
  report: VerifyReport,
  protocol: string,
  port: number,
  address?: string,
): VerifyPort | undefined {
  return report.ports.find(
    (row) =>
      row.protocol === protocol && row.port === port && (address === undefined || row.address === address),
  );
}

/** The findings of one kind. */
export function findingsOf(report: VerifyReport, kind: Finding['kind']): Finding[] {
  return report.findings.filter((finding) => finding.kind === kind);
}

/** Polls until `ss` in `ns` shows a TCP listener on `port` (bounded: about 10 s). */
export async function waitForTcpListener(ns: Netns, port: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const { stdout } = await ns.exec('ss', ['-tlnH', `sport = :${port}`]);
    if (stdout.trim() !== '') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`nothing listened on TCP port ${port} within 10 s`);
}
