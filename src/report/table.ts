// Aligned text columns for the human reports. Every cell is escaped here, so no renderer can forget.
import { escapeForTerminal } from './terminal-escape.js';

/** A column: its heading and, optionally, a colouring applied after padding (so widths stay right). */
export interface Column {
  heading: string;
  paint?: (padded: string, raw: string) => string;
}

/** Lays rows out under headings, two spaces apart; the last column is not padded. */
export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const cells = rows.map((row) => row.map((cell) => escapeForTerminal(cell)));
  const widths = columns.map((column, index) =>
    cells.reduce((width, row) => Math.max(width, (row[index] ?? '').length), column.heading.length),
  );
  const line = (row: readonly string[], painted: boolean) =>
    columns
      .map((column, index) => {
        const raw = row[index] ?? '';
        const padded = index === columns.length - 1 ? raw : raw.padEnd(widths[index] ?? 0);
        return painted && column.paint ? column.paint(padded, raw) : padded;
      })
      .join('  ')
      .trimEnd();
  return [
    line(
      columns.map((column) => column.heading),
      false,
    ),
    ...cells.map((row) => line(row, true)),
  ].join('\n');
}
