import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CsvReader, type CsvRecord } from './csv-records.js';

/** Every record (or problem) of the lines, as the reader answers them. */
function read(lines: string[]): Array<CsvRecord | string> {
  const reader = new CsvReader();
  const out: Array<CsvRecord | string> = [];
  for (const line of lines) {
    const answer = reader.push(line);
    if (answer !== undefined) out.push(answer);
  }
  return out;
}

describe('CsvReader (RFC 4180)', () => {
  it('splits plain fields, keeping empty ones and spaces', () => {
    assert.deepEqual(read(['a,b,c', ',x, y ,']), [
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['', 'x', ' y ', ''] },
    ]);
  });

  it('reads quoted fields with commas and doubled quotes', () => {
    assert.deepEqual(read(['"a,b","say ""hi""",""']), [{ line: 1, fields: ['a,b', 'say "hi"', ''] }]);
  });

  it('joins a quoted line break, and numbers the record by the line it starts on', () => {
    assert.deepEqual(read(['h1,h2', '"first', 'second",x', 'y,z']), [
      { line: 1, fields: ['h1', 'h2'] },
      { line: 2, fields: ['first\nsecond', 'x'] },
      { line: 4, fields: ['y', 'z'] },
    ]);
  });

  it('refuses a quote inside an unquoted field and text after a closing quote, then reads on', () => {
    const out = read(['ab"c,d', '"a"b,c', 'ok,1']);
    assert.match(out[0] as string, /quote inside an unquoted field \(column 1\)/);
    assert.match(out[1] as string, /text after a closing quote \(column 1\)/);
    assert.deepEqual(out[2], { line: 3, fields: ['ok', '1'] });
  });

  it('says where a quote left open started', () => {
    const reader = new CsvReader();
    reader.push('a,b');
    assert.equal(reader.push('"open,'), undefined);
    assert.equal(reader.push('still open'), undefined);
    assert.equal(reader.unterminated(), 2);
  });
});
