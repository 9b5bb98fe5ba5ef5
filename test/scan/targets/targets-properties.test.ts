// Property tests of target sets against a brute-force model, and nmap's list scan as an oracle.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { SpanIndex } from '../../../src/scan/targets/address-set.js';
import { prepareTargets } from '../../../src/scan/targets/targets.js';
import { skipUnless } from '../../helpers/needs.js';
import { runOk, withNetns } from '../../helpers/netns/netns.js';

const walk = (prepared: Iterable<{ address: string }>): string[] =>
  [...prepared].map((target) => target.address);

const v4Text = (value: number): string => [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.');
const v6Text = (value: bigint): string =>
  new ipaddr.IPv6(
    Array.from({ length: 8 }, (_, index) => Number((value >> BigInt(112 - 16 * index)) & 0xffffn)),
  ).toString();
/** An address as a number: IPv4 in 32 bits, IPv6 in 128. */
const addressValue = (text: string): bigint =>
  ipaddr
    .parse(text)
    .toByteArray()
    .reduce((sum, byte) => (sum << 8n) | BigInt(byte), 0n);

/** A CIDR block as the model sees it: first address and size. */
interface Cidr {
  text: string;
  first: bigint;
  size: bigint;
}
const cidr = (bits: 32 | 128, value: bigint, prefix: number): Cidr => {
  const size = 1n << BigInt(bits - prefix);
  const first = (value / size) * size;
  const text = bits === 32 ? `${v4Text(Number(value))}/${prefix}` : `${v6Text(value)}/${prefix}`;
  return { text, first, size };
};
const inCidr = (block: Cidr, value: bigint): boolean =>
  value >= block.first && value < block.first + block.size;

const v4Cidr = (minPrefix: number, maxPrefix: number) =>
  fc
    .tuple(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: minPrefix, max: maxPrefix }))
    .map(([value, prefix]) => cidr(32, BigInt(value), prefix));
const v6Cidr = (minPrefix: number, maxPrefix: number) =>
  fc
    .tuple(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), fc.integer({ min: minPrefix, max: maxPrefix }))
    .map(([value, prefix]) => cidr(128, value, prefix));

describe('target sets (properties)', () => {
  it('a small random CIDR yields exactly its addresses, ascending, and counts them', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(v4Cidr(22, 32), v6Cidr(118, 128)), async (block) => {
        const prepared = await prepareTargets({ targets: [block.text] });
        const got = walk(prepared).map(addressValue);
        assert.equal(prepared.count, block.size);
        assert.equal(BigInt(got.length), block.size);
        for (const [index, value] of got.entries()) assert.equal(value, block.first + BigInt(index));
      }),
      { numRuns: 150 },
    );
  });

  it('a big random CIDR counts without walking, and its first addresses lie inside', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(v4Cidr(0, 21), v6Cidr(0, 117)), async (block) => {
        const prepared = await prepareTargets({ targets: [block.text] });
        assert.equal(prepared.count, block.size);
        const first: string[] = [];
        for (const target of prepared) if (first.push(target.address) >= 5) break;
        for (const [index, text] of first.entries()) {
          const value = addressValue(text);
          assert.ok(inCidr(block, value));
          assert.equal(value, block.first + BigInt(index));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('never yields an excluded address, keeps every other one once, and counts exactly', async () => {
    // Targets and exclusions inside 10.0.0.0/20 so the model can enumerate them.
    const inLab = fc
      .tuple(fc.integer({ min: 0, max: 4095 }), fc.integer({ min: 22, max: 32 }))
      .map(([offset, prefix]) => cidr(32, BigInt(0x0a000000 + offset), prefix));
    await fc.assert(
      fc.asyncProperty(
        fc.array(inLab, { minLength: 1, maxLength: 4 }),
        fc.array(inLab, { maxLength: 6 }),
        async (targets, excludes) => {
          const prepared = await prepareTargets({
            targets: targets.map((block) => block.text),
            exclude: excludes.length > 0 ? [excludes.map((block) => block.text).join(',')] : [],
          });
          const expected: string[] = [];
          const seen = new Set<bigint>();
          for (const block of targets) {
            for (let value = block.first; value < block.first + block.size; value++) {
              if (seen.has(value) || excludes.some((excluded) => inCidr(excluded, value))) continue;
              seen.add(value);
              expected.push(v4Text(Number(value)));
            }
          }
          assert.deepEqual(walk(prepared), expected);
          assert.equal(prepared.count, BigInt(expected.length));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('subtracts random IPv6 exclusions from a big block by counting alone', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { maxLength: 5 }),
        async (hosts) => {
          const excludes = hosts.map((host) => v6Text((0xfd00n << 112n) | host));
          const prepared = await prepareTargets({ targets: ['fd00::/64'], exclude: excludes });
          assert.equal(prepared.count, (1n << 64n) - BigInt(new Set(hosts).size));
          const first: string[] = [];
          for (const target of prepared) if (first.push(target.address) >= 10) break;
          for (const address of first) assert.ok(!excludes.includes(address));
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('SpanIndex', () => {
  it('finds exactly the spans that meet a query span (property)', () => {
    const span = fc
      .tuple(fc.bigInt({ min: 0n, max: 1000n }), fc.bigInt({ min: 0n, max: 300n }))
      .map(([lo, width]) => ({ lo, hi: lo + width }));
    fc.assert(
      fc.property(fc.array(span, { maxLength: 60 }), span, (spans, query) => {
        const index = new SpanIndex(spans.map((entry, item) => ({ ...entry, item })));
        const found = index.query(query.lo, query.hi).sort((a, b) => a - b);
        const expected = spans.flatMap((entry, item) =>
          entry.lo <= query.hi && entry.hi >= query.lo ? [item] : [],
        );
        assert.deepEqual(found, expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe('target sets against nmap -sL -n (oracle, no packets)', () => {
  const cases: { targets: string[]; exclude?: string }[] = [
    { targets: ['192.168.3-5,7.1', '10.0.0.-3', '10.0.0.250-'] },
    { targets: ['10.0.0-2.1-3,200'], exclude: '10.0.1.0/24,10.0.0.2' },
    { targets: ['10.0.0.5/29', '172.16.0.*'], exclude: '172.16.0.8-250' },
    { targets: ['10.0.0-1.7/30'] },
  ];

  it('lists the same addresses in the same order', {
    skip: skipUnless({ root: true, commands: ['nmap'] }),
  }, async () => {
    await withNetns('targets', async (ns) => {
      for (const { targets, exclude } of cases) {
        const args = ['-sL', '-n', ...targets, ...(exclude ? ['--exclude', exclude] : [])];
        // runOk (execFile) writes nothing to nmap's stdin, so a fast exit cannot race an EPIPE.
        const stdout = await runOk('ip', ['netns', 'exec', ns.name, 'nmap', ...args], { timeoutMs: 20_000 });
        const fromNmap = [...stdout.matchAll(/^Nmap scan report for (\S+)$/gm)].map((match) => match[1]);
        const prepared = await prepareTargets({ targets, exclude: exclude ? [exclude] : [] });
        assert.ok(fromNmap.length > 0);
        assert.deepEqual(walk(prepared), fromNmap, args.join(' '));
        assert.equal(prepared.count, BigInt(fromNmap.length));
      }
    });
  });
});
