import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { escapeXmlAttribute, escapeXmlComment, escapeXmlText } from '../../src/report/xml-escape.js';
import { skipUnless } from '../helpers/needs.js';
import { run } from '../helpers/netns/netns.js';
import { makeTempDir, type TempDir } from '../helpers/tmp.js';

let dir: TempDir;

describe('XML escaping', () => {
  before(async () => {
    dir = await makeTempDir('xml-escape');
  });
  after(() => dir.remove());

  it('escapes markup, quotes and whitespace that attribute normalisation would eat', () => {
    assert.equal(
      escapeXmlAttribute(`<a href="x">&'\t\n\r`),
      '&lt;a href=&quot;x&quot;&gt;&amp;&apos;&#9;&#10;&#13;',
    );
    assert.equal(escapeXmlText('<b>&</b>\n'), '&lt;b&gt;&amp;&lt;/b&gt;\n');
  });

  it('turns characters XML 1.0 forbids, C1 controls and bidi overrides into visible text', () => {
    assert.equal(
      escapeXmlText('a\u0000b\u001bc\u0085d\u202ee\uffff.'),
      'a\\x00b\\x1bc\\x85d\\u202ee\\uffff.',
    );
    assert.equal(
      escapeXmlText('lone \ud800 high, pair \ud83d\ude00 kept'),
      'lone \\ud800 high, pair \ud83d\ude00 kept',
    );
  });

  it('keeps comments closed', () => {
    assert.equal(escapeXmlComment('a -- b -->'), 'a -&#45; b -&#45;>');
    assert.equal(escapeXmlComment('ends with -'), 'ends with &#45;');
  });

  it('xmllint accepts any string escaped into attributes, text and comments', {
    skip: skipUnless({ commands: ['xmllint'] }),
  }, async () => {
    const samples = fc.sample(fc.string({ unit: 'binary', maxLength: 40 }), { numRuns: 400, seed: 4242 });
    samples.push('\ud800', '\udc00x', '--', '-', ']]>', '\u0000\u0001\u0002', '<!ENTITY x "y">');
    const body = samples
      .map(
        (s) =>
          `<e a="${escapeXmlAttribute(s)}" b='${escapeXmlAttribute(s)}'>${escapeXmlText(s)}<!--${escapeXmlComment(s)}--></e>`,
      )
      .join('\n');
    const file = await dir.write('fuzz.xml', `<?xml version="1.0" encoding="UTF-8"?>\n<r>\n${body}\n</r>\n`);
    const result = await run('xmllint', ['--noout', file]);
    assert.equal(result.code, 0, result.stderr.slice(0, 2000));
  });
});
