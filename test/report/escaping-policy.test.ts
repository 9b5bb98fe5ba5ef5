// One escaping policy (src/unsafe-characters.ts) for every output: a terminal line, JSON, XML and the
// baseline's YAML each keep every character of it out, JSON and YAML reading back to the same text.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatErrorMessage } from '../../src/cli/print-error.js';
import { formatBaseline, parseBaseline } from '../../src/reconcile/baseline.js';
import { stringifySafeJson } from '../../src/report/safe-json.js';
import { escapeForTerminal } from '../../src/report/terminal-escape.js';
import { escapeXmlAttribute, escapeXmlText } from '../../src/report/xml-escape.js';
import { hasUnsafeCharacters, UNSAFE_CHARACTERS } from '../../src/unsafe-characters.js';

/** Every character the policy names, written out here independently of its regex. */
function policyCharacters(): string[] {
  const codes: number[] = [];
  for (let code = 0; code <= 0x1f; code++) codes.push(code);
  for (let code = 0x7f; code <= 0x9f; code++) codes.push(code);
  codes.push(0x061c, 0x200e, 0x200f, 0x2028, 0x2029);
  for (let code = 0x202a; code <= 0x202e; code++) codes.push(code);
  for (let code = 0x2066; code <= 0x2069; code++) codes.push(code);
  return codes.map((code) => String.fromCharCode(code));
}

const POLICY = policyCharacters();
const RAW = (allowed: string) =>
  new RegExp(
    `[${POLICY.filter((char) => !allowed.includes(char))
      .map((char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)
      .join('')}]`,
  );

/** Text as a banner, process name or path may carry it: mostly policy characters and markup. */
const hostileText = fc.string({
  unit: fc.oneof(
    fc.constantFrom(...POLICY),
    fc.constantFrom('\\', '"', "'", '<', '&', ':', '#', '-', ' ', 'a', '\u00e9', '\ud83d\ude00'),
    fc.string({ unit: 'binary', maxLength: 1 }),
  ),
  maxLength: 40,
});

describe('one escaping policy', () => {
  it('names C0, DEL, C1, the separators and every bidirectional control, and nothing else', () => {
    for (const char of POLICY) assert.ok(hasUnsafeCharacters(char), char.charCodeAt(0).toString(16));
    for (const safe of [
      'a',
      ' ',
      '\u00a0',
      '\u00e9',
      '\u200b',
      '\u2027',
      '\u202f',
      '\u2065',
      '\u206a',
      '😀',
    ]) {
      assert.equal(hasUnsafeCharacters(safe), false, safe);
    }
    assert.equal('x'.replace(UNSAFE_CHARACTERS, ''), 'x');
  });

  it('a terminal line and an error message carry none of them raw', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        assert.doesNotMatch(escapeForTerminal(text), RAW(''));
        assert.doesNotMatch(escapeForTerminal(text, { keepNewlines: true }), RAW('\n'));
        assert.doesNotMatch(formatErrorMessage(text).slice(0, -1), RAW(''));
      }),
      { numRuns: 2000 },
    );
  });

  it('JSON carries none of them raw, stays valid and reads back to the same text', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        const json = stringifySafeJson({ banner: text, list: [text] });
        assert.doesNotMatch(json, RAW('\n'));
        assert.deepEqual(JSON.parse(json), { banner: text, list: [text] });
      }),
      { numRuns: 2000 },
    );
  });

  it('XML carries none of them raw, outside the tab and newlines it is allowed to keep in text', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        assert.doesNotMatch(escapeXmlAttribute(text), RAW(''));
        assert.doesNotMatch(escapeXmlText(text), RAW('\t\n\r'));
      }),
      { numRuns: 2000 },
    );
  });

  it('the baseline YAML carries none of them raw and reads back to the same values', () => {
    fc.assert(
      fc.property(hostileText, hostileText, (exe, user) => {
        const baseline = {
          version: 1 as const,
          listeners: [
            { protocol: 'tcp' as const, port: 22, address: '0.0.0.0', exe: `/x${exe}`, user: `u${user}` },
          ],
        };
        const yaml = formatBaseline(baseline, `baseline of host${exe}`);
        assert.doesNotMatch(yaml, RAW('\n'));
        assert.deepEqual(parseBaseline(yaml, 'b.yaml'), baseline);
      }),
      { numRuns: 1000 },
    );
  });

  it('writes a C1 CSI and a right-to-left override as \\u escapes in every format', () => {
    const evil = '/tmp/\u009b31m\u202eexe';
    assert.equal(escapeForTerminal(evil), '/tmp/\\x9b31m\\u202eexe');
    assert.equal(stringifySafeJson(evil), '"/tmp/\\u009b31m\\u202eexe"');
    assert.equal(escapeXmlText(evil), '/tmp/\\x9b31m\\u202eexe');
    const yaml = formatBaseline({ version: 1, listeners: [{ protocol: 'tcp', port: 1, exe: evil }] }, 'h');
    assert.match(yaml, /exe: "\/tmp\/\\u009b31m\\u202eexe"/);
  });
});
