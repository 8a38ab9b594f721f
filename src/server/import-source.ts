import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { CsvReader } from '../core/csv-records.js';

/** One record of an import file: its fields by name, or what is wrong with it; `line` is where it starts (1-based). */
export type SourceRecord = { line: number; row: Record<string, unknown> } | { line: number; problem: string };

/** Lines of a file, streamed: CRLF and LF alike. */
function lines(path: string): AsyncIterable<string> {
  return createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
}

/** Whether the file's first line that is not blank opens a JSON object: JSON Lines, else CSV. */
export async function looksLikeJsonLines(path: string): Promise<boolean> {
  for await (const text of lines(path)) {
    if (text.trim() === '') continue;
    return text.trimStart().startsWith('{');
  }
  return true;
}

/** JSON Lines: each line that is not blank one JSON object. */
export async function* jsonLinesRecords(path: string): AsyncGenerator<SourceRecord> {
  let line = 0;
  for await (const text of lines(path)) {
    line++;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      yield { line, problem: `not JSON (${(error as Error).message})` };
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) yield { line, problem: 'not a JSON object' };
    else yield { line, row: value as Record<string, unknown> };
  }
}

/**
 * CSV with a header row naming the columns (psql --csv, COPY … CSV HEADER, a spreadsheet's
 * export): each later record as `{column: text}`, '' for an empty field.
 */
export async function* csvRecords(path: string): AsyncGenerator<SourceRecord> {
  const reader = new CsvReader();
  let header: string[] | undefined;
  let line = 0;
  for await (const text of lines(path)) {
    line++;
    // The byte-order mark a spreadsheet writes is not part of the first column's name.
    const record = reader.push(line === 1 ? text.replace(/^\uFEFF/, '') : text);
    if (record === undefined) continue;
    if (typeof record === 'string') {
      yield { line, problem: `not CSV: ${record}` };
      continue;
    }
    if (record.fields.length === 1 && record.fields[0] === '') continue;
    if (header === undefined) {
      header = record.fields.map((name) => name.trim());
      continue;
    }
    if (record.fields.length !== header.length) {
      yield { line: record.line, problem: `${record.fields.length} fields where the header has ${header.length}` };
      continue;
    }
    const row: Record<string, string> = {};
    header.forEach((name, i) => (row[name] = record.fields[i]!));
    yield { line: record.line, row };
  }
  const open = reader.unterminated();
  if (open !== undefined) yield { line: open, problem: 'a quoted field is never closed' };
}
