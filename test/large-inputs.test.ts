// Inputs far larger than a host ever has: a call that spreads an array into its arguments
// (`push(...items)`, `Math.max(...widths)`) overflows the stack past ~120,000 items, so every such
// call over data earshot did not bound itself is a crash waiting for a big enough input. The source
// check keeps new ones out; the runs below feed each place that had one data of that size.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readSockets } from '../src/inventory/read-sockets.js';
import { parseBaseline } from '../src/reconcile/baseline.js';
import { reconcile } from '../src/reconcile/reconcile.js';
import { renderTable } from '../src/report/table.js';
import { runEarshot } from './helpers/cli.js';
import { fixturePath } from './helpers/fixtures.js';
import { skipUnlessRoot } from './helpers/netns/netns.js';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

// A spread into a call's arguments: push/unshift, Math.max/min, String.fromCharCode/fromCodePoint
// (array and object literals, `[...a]`, are not calls and are fine).
const SPREAD_CALL =
  /\b(?:push|unshift|max|min|fromCharCode|fromCodePoint|apply)\(\s*(?:[^()[\]{}]*?,\s*)?\.\.\./g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const MANY = 200_000;

let work: string;

describe('inputs of hundreds of thousands of items', () => {
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'earshot-large-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('src/ spreads no array into a call outside src/scan/ (whose engine sweeps its own)', () => {
    const found: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const where = relative(SRC, file);
      if (where.startsWith('scan/')) continue;
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(SPREAD_CALL)) {
        const line = text.slice(0, match.index).split('\n').length;
        found.push(`src/${where}:${line}: ${match[0]}`);
      }
    }
    assert.deepEqual(found, [], 'loop instead: for (const item of items) list.push(item)');
  });

  it('reads a socket table of 200,000 malformed lines: each a warning, no crash', async () => {
    const root = join(work, 'proc');
    cpSync(fixturePath('proc/ypbind'), root, { recursive: true, verbatimSymlinks: true });
    const header = readFileSync(join(root, 'net', 'tcp'), 'latin1').split('\n')[0];
    writeFileSync(join(root, 'net', 'tcp'), `${header}\n${'   0: garbage\n'.repeat(MANY)}`);
    const inventory = await readSockets({ procRoot: root, passwdPath: fixturePath('proc/passwd') });
    assert.equal(inventory.warnings.filter((w) => w.source.endsWith('net/tcp')).length, MANY);
    const cli = await runEarshot(['local', '--proc-root', root, '--passwd-file', fixturePath('proc/passwd')]);
    assert.equal(cli.code, 0, cli.stderr.slice(-2000));
    assert.match(cli.stderr, new RegExp(`earshot: warning: ${MANY - 20 + 0} more warnings`));
  });

  it('lays out a table of 200,000 rows', () => {
    const rows = Array.from({ length: MANY }, (_, index) => [String(index), 'x'.repeat(index % 7)]);
    const text = renderTable([{ heading: 'N' }, { heading: 'VALUE' }], rows);
    const lines = text.split('\n');
    assert.equal(lines.length, MANY + 1);
    assert.equal(lines[0], `N${' '.repeat(7)}VALUE`);
  });

  it('holds a baseline of 200,000 entries, none present, against no listeners', () => {
    const listeners = Array.from({ length: MANY }, (_, index) => ({
      protocol: 'tcp',
      port: index % 65536,
      address: `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`,
    }));
    const baseline = parseBaseline(JSON.stringify({ version: 1, listeners }), 'big.json');
    assert.equal(baseline.listeners.length, MANY);
    const result = reconcile({
      hosts: [],
      scannedPorts: {},
      inventory: { sockets: [], warnings: [], complete: true },
      bind: [],
      rpc: [],
      conntrack: { available: false, detail: 'not used', entries: [] },
      catalog: { lookupPort: () => null, lookupName: () => [], namedPorts: () => [], servicesPath: null },
      baseline,
    });
    assert.equal(result.findings.length, MANY);
    assert.ok(result.findings.every((finding) => finding.kind === 'missing-from-baseline'));
  });

  it('verify reads a 130,000-entry baseline and reports what is missing', {
    skip: skipUnlessRoot,
  }, async () => {
    const listeners = Array.from({ length: 130_000 }, (_, index) => ({
      protocol: 'udp',
      port: 1 + (index % 65535),
      address: `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`,
    }));
    const file = join(work, 'baseline.json');
    writeFileSync(file, JSON.stringify({ version: 1, listeners }));
    const result = await runEarshot(
      ['verify', '-p', '1', '--no-udp', '--no-bind', '--no-version', '--baseline', file, '--json'],
      { timeoutMs: 120_000 },
    );
    assert.ok(result.code === 1 || result.code === 2, result.stderr.slice(0, 2000));
    const report = JSON.parse(result.stdout) as { findings: { kind: string }[] };
    assert.equal(
      report.findings.filter((finding) => finding.kind === 'missing-from-baseline').length,
      130_000,
    );
  });
});
