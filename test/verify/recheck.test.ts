// Heavy /proc churn: thousands of listeners that live 1-50 ms (a fifth of them held by forked
// processes that exit) on ports 20000-20999 of a namespace, while verify runs there. Every verdict
// about those ports that a race could fake — no owner, local-only, forwarded, hidden — must be
// gone after the re-check: each churned listener had an owner, answered while it lived, and was
// listed in the tables.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { VerifyReport } from '../../src/model.js';
import { hasCommand, skipUnlessRoot, withNetns } from '../helpers/netns/netns.js';
import { makeTempDir } from '../helpers/tmp.js';
import { verifyIn } from '../helpers/verify-run.js';

const LOW = 20000;
const HIGH = 20999;

// Bounded in time (seconds) and in listeners opened; prints how many it opened when it ends.
const CHURN = `
import os, random, socket, sys, time, heapq
low, high, seconds, limit, live = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
end = time.time() + seconds
heap, started, order = [], 0, 0
def open_one():
    global started, order
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(('127.0.0.1', random.randint(low, high))); s.listen(8)
    except OSError:
        s.close(); order += 1; return
    started += 1; order += 1
    life = random.uniform(0.001, 0.05)
    if started % 5 == 0:
        if os.fork() == 0:
            time.sleep(life); os._exit(0)
        s.close(); s = None
    heapq.heappush(heap, (time.time() + life, order, s))
while time.time() < end and started < limit:
    while len(heap) < live and started < limit: open_one()
    now = time.time()
    if heap[0][0] > now: time.sleep(min(heap[0][0] - now, 0.005))
    while heap and heap[0][0] <= time.time():
        s = heapq.heappop(heap)[2]
        if s: s.close()
    try:
        while os.waitpid(-1, os.WNOHANG)[0] != 0: pass
    except ChildProcessError: pass
sys.stdout.write(f"{started}\\n"); sys.stdout.flush()
`;

// python3 is installed with the test dependencies (scripts/install-deps.sh); a skip is visible
// locally and a failure under CI, where it must be there.
const havePython = await hasCommand('python3');
if (!havePython && process.env.CI === 'true')
  throw new Error('python3 is missing: run scripts/install-deps.sh');

const RACE_KINDS = new Set(['forwarded-port', 'hidden-listener', 'hidden-bound-port', 'local-only']);

/** Verdicts about the churned ports that only a race can explain. */
function falseVerdicts(report: VerifyReport): string[] {
  const inRange = (port: number) => port >= LOW && port <= HIGH;
  return [
    ...report.findings
      .filter((finding) => inRange(finding.port) && RACE_KINDS.has(finding.kind))
      .map((finding) => `${finding.kind} ${finding.port}/${finding.protocol}`),
    ...report.ports
      .filter((row) => inRange(row.port) && row.inKernelTable && row.ownerStatus?.kind === 'none')
      .map((row) => `no owner ${row.port}/${row.protocol}`),
  ];
}

describe('verify under /proc churn', () => {
  it('reports no race as a finding: no owner, local-only, forwarded or hidden verdicts on churned ports', {
    skip: skipUnlessRoot || (havePython ? false : 'python3 missing'),
  }, async () => {
    const dir = await makeTempDir('churn');
    try {
      const script = await dir.write('churn.py', CHURN);
      await withNetns('churn', async (ns) => {
        const churn = ns.spawn('python3', [script, String(LOW), String(HIGH), '40', '150000', '150']);
        let opened = '';
        churn.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
          opened += chunk;
        });
        const ended = new Promise((done) => churn.once('close', done));
        const args = ['-p', `${LOW}-${HIGH}`, '--no-udp', '--no-version'];
        const reports: VerifyReport[] = [];
        for (let run = 0; run < 1; run++) reports.push((await verifyIn(ns, args)).report);
        churn.kill('SIGTERM');
        await ended;
        const found = reports.flatMap(falseVerdicts);
        // Before the re-check this churn gave ~75 such verdicts a run. The re-check's rounds are
        // bounded (8, 150 ms apart): on a loaded machine, one port that new short-lived listeners
        // keep re-taking can still be left at the last round (seen in 1 run of 4 with a CPU burner
        // beside the test, never two). More than one is a regression.
        assert.ok(found.length <= 1, `at most one verdict that only a race explains: ${found.join(', ')}`);
        // The churn did race the witnesses: the re-check had sockets or answers to settle.
        const details = reports.map(
          (report) => report.witnesses.find((w) => w.witness === 'kernel')?.detail ?? '',
        );
        assert.ok(
          details.some((detail) =>
            /closed during the run|gone on a second probe|missed answered/.test(detail),
          ),
          `the re-check had nothing to do; was there churn? ${details.join(' | ')} (opened: ${opened.trim()})`,
        );
      });
    } finally {
      await dir.remove();
    }
  });
});
