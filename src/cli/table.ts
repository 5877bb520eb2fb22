/**
 * Plain-text output for humans: aligned tables and key/value blocks. Every value coming from the
 * server passes through `cell`, which replaces control characters so a crafted name cannot move
 * the cursor or rewrite the terminal.
 */

export type CellValue = string | number | boolean | null | undefined | readonly string[];

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** One printable line for a value; `-` for nothing. */
export function cell(value: CellValue): string {
  if (value === null || value === undefined || value === '') return '-';
  if (Array.isArray(value)) return value.length === 0 ? '-' : value.map(cell).join(',');
  return String(value).replace(CONTROL_CHARS, '\uFFFD');
}

function width(text: string): number {
  return [...text].length;
}

function pad(text: string, to: number): string {
  return text + ' '.repeat(Math.max(0, to - width(text)));
}

/**
 * Columns separated by two spaces, each as wide as its widest cell; no trailing spaces.
 * Returns the lines joined with `\n`, ending with one.
 */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly CellValue[])[],
): string {
  const texts = rows.map((row) => headers.map((_, i) => cell(row[i])));
  const widths = headers.map((h, i) => Math.max(width(h), ...texts.map((r) => width(r[i] ?? ''))));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : pad(c, widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return `${[line(headers), ...texts.map(line)].join('\n')}\n`;
}

/** `Label:  value` lines with the values aligned. */
export function formatDetails(pairs: readonly (readonly [string, CellValue])[]): string {
  const labelWidth = Math.max(0, ...pairs.map(([label]) => width(label) + 1));
  return pairs
    .map(([label, value]) => `${pad(`${label}:`, labelWidth)}  ${cell(value)}\n`)
    .join('');
}
