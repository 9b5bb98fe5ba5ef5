import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { escapeForTerminal } from '../../src/report/terminal-escape.js';

describe('escapeForTerminal', () => {
  it('escapes C0, DEL, C1, bidi overrides and backslashes', () => {
    assert.equal(escapeForTerminal('a\u001b[2Jb'), 'a\\x1b[2Jb');
    assert.equal(escapeForTerminal('x\u009by'), 'x\\x9by');
    assert.equal(escapeForTerminal('\u202eevil'), '\\u202eevil');
    assert.equal(escapeForTerminal('a\\x1b'), 'a\\\\x1b');
    assert.equal(escapeForTerminal('l1\nl2\t'), 'l1\\nl2\\t');
    assert.equal(escapeForTerminal('l1\nl2', { keepNewlines: true }), 'l1\nl2');
  });

  it('never lets a control character through, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        assert.doesNotMatch(
          escapeForTerminal(text),
          /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/,
        );
      }),
    );
  });
});
