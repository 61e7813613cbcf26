// CSV (RFC 4180: quoted fields, doubled quotes, CRLF or LF) into rows keyed by header.
import { FormatError } from './errors.js';

export function parseCsv(text: string, name = 'CSV'): { header: string[]; rows: string[][] } {
  const rows: string[][] = [];
  let row: string[] = [], field = '', quoted = false, i = 0;
  if (text.charCodeAt(0) === 0xfeff) i = 1; // byte-order mark
  for (; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') { if (text[i + 1] === '"') { field += '"'; i++; } else quoted = false; } else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') { row.push(field); field = ''; }
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field); field = '';
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
    } else field += ch;
  }
  if (quoted) throw new FormatError(`${name}: unterminated quoted field at the end of the file`);
  if (field !== '' || row.length > 0) { row.push(field); rows.push(row); }
  if (rows.length === 0) throw new FormatError(`${name}: empty file (no header row)`);
  const header = rows.shift()!.map((h) => h.trim());
  rows.forEach((r, k) => { if (r.length < header.length) throw new FormatError(`${name}: row ${k + 2} has ${r.length} fields, the header has ${header.length}`); });
  return { header, rows };
}

/** The column index of each required name; a clear error naming the missing ones. */
export function columns(header: readonly string[], required: readonly string[], name = 'CSV'): number[] {
  const missing = required.filter((c) => !header.includes(c));
  if (missing.length > 0) throw new FormatError(`${name}: missing column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')} (header: ${header.join(', ')})`);
  return required.map((c) => header.indexOf(c));
}
