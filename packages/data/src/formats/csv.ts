// CSV (RFC 4180: quoted fields, doubled quotes, CRLF or LF) into rows keyed by header, each row with the line
// it starts on (a quoted field may span lines), so errors can say where in the file a bad field is.
import { FormatError } from './errors.js';

export interface Csv {
  header: string[];
  rows: string[][];
  /** The 1-based line of the file each row starts on. */
  lines: number[];
}

/** Parses CSV text (RFC 4180) into its header and rows; errors name `name` and the line. */
export function parseCsv(text: string, name = 'CSV'): Csv {
  const rows: string[][] = [], lines: number[] = [];
  let row: string[] = [], field = '', quoted = false, i = 0, line = 1, rowLine = 1, quoteLine = 1;
  if (text.charCodeAt(0) === 0xfeff) i = 1; // byte-order mark
  for (; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\n' || (ch === '\r' && text[i + 1] !== '\n')) line++;
    if (quoted) {
      if (ch === '"') { if (text[i + 1] === '"') { field += '"'; i++; } else quoted = false; } else field += ch;
    } else if (ch === '"' && field === '') { quoted = true; quoteLine = line; }
    else if (ch === ',') { row.push(field); field = ''; }
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') { i++; line++; }
      row.push(field); field = '';
      if (row.length > 1 || row[0] !== '') { rows.push(row); lines.push(rowLine); }
      row = []; rowLine = line;
    } else field += ch;
  }
  if (quoted) throw new FormatError(`${name}, line ${quoteLine}: unterminated quoted field (it runs to the end of the file)`);
  if (field !== '' || row.length > 0) { row.push(field); rows.push(row); lines.push(rowLine); }
  if (rows.length === 0) throw new FormatError(`${name}: empty file (no header row)`);
  const header = rows.shift()!.map((h) => h.trim());
  lines.shift();
  rows.forEach((r, k) => { if (r.length < header.length) throw new FormatError(`${name}, line ${lines[k]}: ${r.length} fields, the header has ${header.length}`); });
  return { header, rows, lines };
}

/** The column index of each required name; a clear error naming the missing ones. */
export function columns(header: readonly string[], required: readonly string[], name = 'CSV'): number[] {
  const missing = required.filter((c) => !header.includes(c));
  if (missing.length > 0) throw new FormatError(`${name}: missing column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')} (header: ${header.join(', ')})`);
  return required.map((c) => header.indexOf(c));
}

/** Where a field is, for error messages: "file, line 3, column 4 ('Patient ID')". */
export const fieldAt = (name: string, line: number, column: number, header: readonly string[]): string =>
  `${name}, line ${line}, column ${column + 1} ('${header[column]}')`;
