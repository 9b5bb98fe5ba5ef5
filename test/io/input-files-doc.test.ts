// docs/input-limits.md lists every kind of input file with its cap and error code: the table must
// say what the code does.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { INPUT_FILES } from '../../src/io/input-files.js';

const doc = readFileSync(new URL('../../docs/input-limits.md', import.meta.url), 'utf8');

describe('docs/input-limits.md', () => {
  it('lists every kind of input file with the cap and error code the code uses', () => {
    const rows = new Map<string, { cap: string; code: string }>();
    for (const match of doc.matchAll(/^\| ([^|]+?) \| [^|]+ \| (\d+ [KM]iB) \| `(ERR_[A-Z_]+)` \|$/gm)) {
      rows.set(match[1]!, { cap: match[2]!, code: match[3]! });
    }
    const kinds = Object.values(INPUT_FILES);
    assert.equal(rows.size, kinds.length, `documented: ${[...rows.keys()].join(', ')}`);
    for (const kind of kinds) {
      const row = rows.get(kind.what);
      assert.ok(row, `${kind.what} is not in the table`);
      const cap =
        kind.maxBytes >= 1024 * 1024 ? `${kind.maxBytes / (1024 * 1024)} MiB` : `${kind.maxBytes / 1024} KiB`;
      assert.equal(row.cap, cap, kind.what);
      assert.equal(row.code, kind.code, kind.what);
    }
  });
});
