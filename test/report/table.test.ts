// The one column layout every human report uses.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { columnWidths, layoutColumns, renderTable } from '../../src/report/table.js';

describe('layoutColumns', () => {
  it('pads every column but the last to its widest cell and drops trailing blanks', () => {
    const rows = [
      ['PORT', 'STATE', 'SERVICE'],
      ['22/tcp', 'open', 'ssh'],
      ['111/tcp', 'open', ''],
    ];
    assert.deepEqual(columnWidths(rows), [7, 5, 7]);
    assert.deepEqual(layoutColumns(rows), ['PORT    STATE SERVICE', '22/tcp  open  ssh', '111/tcp open']);
    assert.deepEqual(layoutColumns(rows, '  ')[1], '22/tcp   open   ssh');
  });
});

describe('renderTable', () => {
  it('escapes cells before measuring them and paints after padding', () => {
    const text = renderTable(
      [{ heading: 'NAME' }, { heading: 'STATE', paint: (padded) => `<${padded}>` }, { heading: 'WHY' }],
      [['evil\u001b[2J', 'ok', 'because']],
    );
    assert.equal(text, 'NAME         STATE  WHY\nevil\\x1b[2J  <ok   >  because');
  });
});
