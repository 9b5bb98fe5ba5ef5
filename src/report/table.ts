// Text columns, laid out in one place for every human report: verify's port table (two spaces apart,
// every cell escaped here), nmap's PORT/STATE/SERVICE table and ndiff's (one space), ss's (one space).
import { escapeForTerminal } from './terminal-escape.js';

/** The widest cell of each column, headings included. */
export function columnWidths(rows: readonly (readonly string[])[]): number[] {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [index, cell] of row.entries()) widths[index] = Math.max(widths[index] ?? 0, cell.length);
  }
  return widths;
}

/** Paints a cell after padding, so that colour codes never count toward a width. */
export type CellPaint = (padded: string, raw: string, column: number) => string;

/** One line: each cell padded to its column's width but the last, joined by `gap`, no trailing blanks. */
export function layoutRow(
  cells: readonly string[],
  widths: readonly number[],
  gap: string,
  paint?: CellPaint,
): string {
  return cells
    .map((raw, column) => {
      const padded = column === cells.length - 1 ? raw : raw.padEnd(widths[column] ?? 0);
      return paint ? paint(padded, raw, column) : padded;
    })
    .join(gap)
    .trimEnd();
}

/** Lays rows out in columns as wide as their widest cell; `gap` between columns (one space by default). */
export function layoutColumns(rows: readonly (readonly string[])[], gap = ' '): string[] {
  const widths = columnWidths(rows);
  return rows.map((row) => layoutRow(row, widths, gap));
}

/** A column: its heading and, optionally, a colouring applied after padding (so widths stay right). */
export interface Column {
  heading: string;
  paint?: (padded: string, raw: string) => string;
}

/** Lays escaped rows out under headings, two spaces apart; the last column is not padded. */
export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const headings = columns.map((column) => column.heading);
  const cells = rows.map((row) => columns.map((_, index) => escapeForTerminal(row[index] ?? '')));
  const widths = columnWidths([headings, ...cells]);
  const paint: CellPaint = (padded, raw, column) => columns[column]?.paint?.(padded, raw) ?? padded;
  return [layoutRow(headings, widths, '  '), ...cells.map((row) => layoutRow(row, widths, '  ', paint))].join(
    '\n',
  );
}
