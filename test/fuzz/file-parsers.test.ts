// Thousands of generated files through every parser earshot has for what it reads: baselines, target
// and exclude files, /etc/services, /etc/rpc, passwd, the /proc socket tables and conntrack, nmap XML
// and earshot JSON reports. Each input is a real file of its kind, cut, spliced and salted with
// hostile characters; every parser answers it or refuses it with its EarshotError, never anything else.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { parseEtcRpc } from '../../src/catalog/rpc-programs.js';
import { parseEtcServices } from '../../src/catalog/services.js';
import { diffReports } from '../../src/compare/diff.js';
import { parseReport } from '../../src/compare/read-report.js';
import { type EarshotErrorCode, isEarshotError } from '../../src/errors.js';
import { parseConntrack } from '../../src/inventory/conntrack.js';
import { PROC_NET_TABLES, parseProcNet } from '../../src/inventory/proc-net.js';
import { readPasswd } from '../../src/inventory/proc-owners.js';
import { formatBaseline, parseBaseline } from '../../src/reconcile/baseline.js';
import { renderDiffText } from '../../src/report/diff-text.js';
import { renderScanXml } from '../../src/report/scan/nmap-xml.js';
import { readFixture } from '../helpers/fixtures.js';
import { openPort, scanReport, upHost } from '../helpers/scan-report.js';
import { prepare } from '../helpers/targets.js';
import { makeTempDir, type TempDir } from '../helpers/tmp.js';
import { guideVerifyReport } from '../helpers/verify-report.js';

const fixture = (path: string) => readFixture(path, 'utf8');

/** Characters that break parsers and terminals: controls, C1, bidi, quotes, markup, separators. */
const SALT = [
  '\u0000',
  '\u001b]0;x\u0007',
  '\u009b',
  '\u202e',
  '\ufeff',
  '\ud800',
  '"',
  "'",
  '<',
  '>',
  '&',
  '#',
  ':',
  '\t',
  '\r\n',
  '{',
  '[',
  '-',
  '0',
  '99999999999999',
  '-1',
  ' ',
];

/** Numbers a field may be given instead of the one it holds. */
const NUMBERS = [
  '99999999999999',
  '8640000000001',
  '-1',
  '',
  'NaN',
  '1e309',
  '0x1F',
  '65536',
  '4294967296',
  '1.5',
];

/**
 * `seeds` (real files of the kind) after a few edits: a span cut out, a span copied elsewhere, salt
 * or one of `words` put in, a number swapped for an odd one. Most inputs stay close enough to the
 * format to reach deep into the parser.
 */
function mutated(seeds: readonly string[], words: readonly string[] = []): fc.Arbitrary<string> {
  const edit = fc.tuple(
    fc.constantFrom('cut', 'copy', 'insert', 'number', 'number'),
    // fast-check leans integers and doubles towards their bounds; a large natural number taken
    // modulo the length spreads the edits over the whole file.
    fc.nat(),
    fc.nat(),
    fc.constantFrom(...SALT, ...words),
    fc.constantFrom(...NUMBERS),
  );
  return fc.tuple(fc.constantFrom(...seeds), fc.array(edit, { maxLength: 6 })).map(([seed, edits]) => {
    let text = seed;
    for (const [kind, at, span, word] of edits) {
      const start = Math.floor(at * text.length);
      const length = Math.floor(span * Math.min(200, text.length - start));
      if (kind === 'cut') text = text.slice(0, start) + text.slice(start + length);
      else if (kind === 'copy') {
        const to = Math.floor(span * text.length);
        text = text.slice(0, to) + text.slice(start, start + length) + text.slice(to);
      } else text = text.slice(0, start) + word + text.slice(start);
    }
    return text;
  });
}

/** Asserts that `work` returns, or throws an EarshotError with one of `codes`. */
async function answersOrRefuses(
  codes: readonly EarshotErrorCode[],
  input: string,
  work: () => unknown,
): Promise<void> {
  try {
    await work();
  } catch (error) {
    const ok = codes.some((code) => isEarshotError(error, code));
    assert.ok(
      ok,
      `${JSON.stringify(input.slice(0, 300))}: ${error instanceof Error ? error.stack : String(error)}`,
    );
  }
}

/** An attribute value: numbers odd and plain, addresses, nmap's words, hostile text. */
const attribute = fc.oneof(
  fc.constantFrom(
    ...NUMBERS,
    '22',
    '0',
    '127.0.0.1',
    '::1',
    'ipv4',
    'ipv6',
    'mac',
    'tcp',
    'udp',
    'open',
    'up',
  ),
  fc.string({
    unit: fc.constantFrom('a', '1', ':', '.', '\u009b', '\u202e', '\u001b', '"', '<', '&', ' '),
    maxLength: 8,
  }),
);

const escapeAttribute = (text: string) =>
  text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/"/g, '&quot;')
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

/** Well-formed nmap XML whose every attribute is generated: it reaches every field the reader reads. */
function wellFormedNmapXml(): fc.Arbitrary<string> {
  const element = (name: string, names: readonly string[]) =>
    fc
      .array(fc.tuple(fc.constantFrom(...names), attribute), { maxLength: names.length })
      .map(
        (pairs) => `<${name}${pairs.map(([key, value]) => ` ${key}="${escapeAttribute(value)}"`).join('')}`,
      );
  const port = fc
    .tuple(
      element('port', ['protocol', 'portid']),
      element('state', ['state']),
      element('service', ['name', 'product', 'version', 'tunnel']),
    )
    .map(([open, state, service]) => `${open}>${state}/>${service}/></port>`);
  const host = fc
    .tuple(
      element('status', ['state']),
      fc.array(element('address', ['addr', 'addrtype']), { maxLength: 2 }),
      fc.array(element('hostname', ['name']), { maxLength: 2 }),
      element('extraports', ['state', 'count']),
      fc.array(port, { maxLength: 3 }),
    )
    .map(
      ([status, addresses, names, extra, ports]) =>
        `<host>${status}/>${addresses.map((a) => `${a}/>`).join('')}<hostnames>${names.map((n) => `${n}/>`).join('')}</hostnames><ports>${extra}/>${ports.join('')}</ports></host>`,
    );
  return fc
    .tuple(element('nmaprun', ['scanner', 'start', 'version', 'args']), fc.array(host, { maxLength: 3 }))
    .map(([root, hosts]) => `<?xml version="1.0"?>\n${root}>${hosts.join('\n')}</nmaprun>\n`);
}

let dir: TempDir;
let counter = 0;

describe('fuzz: file parsers', () => {
  before(async () => {
    dir = await makeTempDir('fuzz-files');
  });
  after(() => dir.remove());

  it('baselines, YAML and JSON', async () => {
    const saved = formatBaseline(
      {
        version: 1,
        listeners: [
          { protocol: 'tcp', port: 22, address: '0.0.0.0', exe: '/usr/sbin/sshd', user: 'root' },
          { protocol: 'udp', rpc: 100007, address: '::', note: 'ypbind' },
        ],
      },
      'a host',
    );
    const structured = fc
      .record({
        version: fc.oneof(fc.constant(1), fc.jsonValue()),
        listeners: fc.oneof(
          fc.array(
            fc.dictionary(
              fc.constantFrom('protocol', 'port', 'rpc', 'address', 'exe', 'user', 'note', 'other'),
              fc.oneof(
                fc.constantFrom('tcp', 'udp', 22, 65536, -1, 1.5, '::1', '10.0.0.1', '', null),
                fc.jsonValue(),
              ),
            ),
            { maxLength: 4 },
          ),
          fc.jsonValue(),
        ),
      })
      .chain((value) => fc.constantFrom(stringify(value), JSON.stringify(value)));
    const text = fc.oneof(
      mutated([saved, JSON.stringify({ version: 1, listeners: [{ protocol: 'tcp', port: 1 }] })]),
      structured,
    );
    await fc.assert(
      fc.asyncProperty(text, (input) =>
        answersOrRefuses(['ERR_BASELINE'], input, () => parseBaseline(input, 'b.yaml')),
      ),
      { numRuns: 1500 },
    );
  });

  it('target and exclude files, and the targets they hold', async () => {
    const seed = '10.0.0.1\n# a comment\nfd00::1/126 10.0.0.0/30\nweb.test\n10.0-1.0.1-2\n127.0.0.1(name)\n';
    const words = [
      '/33',
      '/0',
      '::/0',
      '%eth0',
      '-',
      ',',
      '256',
      'web.test',
      'no.such.test',
      '*',
      '..',
      '[::1]',
    ];
    await fc.assert(
      fc.asyncProperty(mutated([seed], words), fc.boolean(), async (input, asExclude) => {
        const path = await dir.write(`targets-${++counter}`, input);
        await answersOrRefuses(
          ['ERR_TARGET_SPEC', 'ERR_TARGET_FILE', 'ERR_TARGET_RESOLVE'],
          input,
          async () => {
            const spec = asExclude ? { targets: ['10.0.0.0/24'], excludeFile: path } : { inputFile: path };
            const prepared = await prepare(spec);
            let walked = 0;
            for (const _ of prepared) if (++walked >= 100) break;
          },
        );
      }),
      { numRuns: 600 },
    );
  });

  it('/etc/services, /etc/rpc and passwd: lines that do not fit are skipped, never thrown', async () => {
    const services = fixture('catalog/services');
    const rpc = fixture('catalog/rpc');
    await fc.assert(
      fc.property(
        mutated([services, rpc, 'ssh 22/tcp\nx 99999/udp\n'], ['/tcp', '/udp', '65536']),
        (input) => {
          for (const entry of parseEtcServices(input)) assert.ok(entry.port >= 0 && entry.port <= 65535);
          for (const entry of parseEtcRpc(input))
            assert.ok(entry.program >= 0 && entry.program <= 0xffffffff);
        },
      ),
      { numRuns: 1500 },
    );
    const passwd = fixture('proc/passwd');
    await fc.assert(
      fc.asyncProperty(mutated([passwd], [':', '::', '4294967296']), async (input) => {
        const path = await dir.write(`passwd-${++counter}`, input);
        const users = readPasswd(path);
        for (const uid of users.keys()) assert.ok(Number.isInteger(uid) && uid >= 0);
      }),
      { numRuns: 400 },
    );
  });

  it('/proc socket tables and conntrack: a bad line is a warning or skipped, never thrown', () => {
    const tables = ['tcp', 'tcp6', 'udp', 'udp6'].map((file) => fixture(`proc/ypbind/net/${file}`));
    const conntrack =
      'ipv4     2 tcp      6 117 TIME_WAIT src=10.0.0.1 dst=10.0.0.2 sport=40000 dport=80 src=10.0.0.9 dst=10.0.0.1 sport=8080 dport=40000 [ASSURED] mark=0 use=1\n' +
      'ipv6     10 udp      17 29 src=fd00::1 dst=fd00::2 sport=5000 dport=53 src=fd00::2 dst=fd00::1 sport=53 dport=5000 mark=0 use=1\n';
    fc.assert(
      fc.property(
        mutated([...tables, conntrack], ['0A', '07', 'FFFFFFFF', ':', 'src=', 'dport=']),
        fc.constantFrom(...PROC_NET_TABLES),
        fc.boolean(),
        (input, table, listeningOnly) => {
          const parsed = parseProcNet(input, table, 'fuzz', { listeningOnly });
          for (const socket of parsed.sockets) {
            assert.ok(socket.localPort >= 0 && socket.localPort <= 65535);
            assert.notEqual(socket.localAddress, null);
          }
          parseConntrack(input);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('nmap XML and earshot JSON reports, and the diff of any two that read', async () => {
    const scan = scanReport([
      upHost('127.0.0.1', [openPort(22, 'ssh'), openPort(8080, 'http-proxy')], 100, { hostnames: ['h'] }),
    ]);
    const seeds = [
      fixture('report/nmap-before.xml'),
      fixture('report/nmap-ipv6.xml'),
      renderScanXml(scan),
      JSON.stringify(scan),
      JSON.stringify(guideVerifyReport()),
    ];
    const words = [
      '<host>',
      '</host>',
      '<port protocol="tcp" portid="1">',
      '<nmaprun>',
      '<!ENTITY a "b">',
      '&#0;',
      '&#x110000;',
      'start="',
      '"kind":"scan"',
      '"hosts":[',
      '<!--',
      ']]>',
      '<![CDATA[',
    ];
    const read: Awaited<ReturnType<typeof parseReport>>[] = [];
    await fc.assert(
      fc.asyncProperty(fc.oneof(mutated(seeds, words), wellFormedNmapXml()), async (input) => {
        await answersOrRefuses(['ERR_REPORT_READ'], input, async () => {
          const report = await parseReport(input, 'fuzz.report');
          read.push(report);
          const other = read[read.length >> 1]!;
          renderDiffText(diffReports(other, report));
        });
      }),
      { numRuns: 1500 },
    );
    assert.ok(
      read.length > 50,
      `only ${read.length} generated reports were readable: the mutations are too coarse`,
    );
  });
});
