/** One CSV record and the line of the file it starts on (1-based). */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/**
 * An RFC 4180 reader fed line by line (node:readline's lines, CR and LF already split off):
 * quoted fields may hold commas, doubled quotes and line breaks, so a record can span lines.
 * `push` answers the record the line completes, if any; `end` says whether a quote was left open.
 */
export class CsvReader {
  #fields: string[] = [];
  #field = '';
  #quoted = false;
  #inQuotes = false;
  #startLine = 0;
  #line = 0;

  push(text: string): CsvRecord | string | undefined {
    this.#line++;
    if (this.#inQuotes) this.#field += '\n';
    else {
      this.#startLine = this.#line;
      this.#fields = [];
      this.#field = '';
      this.#quoted = false;
    }
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (this.#inQuotes) {
        if (c !== '"') this.#field += c;
        else if (text[i + 1] === '"') {
          this.#field += '"';
          i++;
        } else this.#inQuotes = false;
      } else if (c === ',') {
        this.#fields.push(this.#field);
        this.#field = '';
        this.#quoted = false;
      } else if (c === '"') {
        if (this.#field !== '' || this.#quoted) return this.#refuse(`a quote inside an unquoted field (column ${this.#fields.length + 1})`);
        this.#inQuotes = true;
        this.#quoted = true;
      } else if (this.#quoted) return this.#refuse(`text after a closing quote (column ${this.#fields.length + 1})`);
      else this.#field += c;
    }
    if (this.#inQuotes) return undefined;
    this.#fields.push(this.#field);
    return { line: this.#startLine, fields: this.#fields };
  }

  /** The line a record that never closed its quote started on, when the input ended inside it. */
  unterminated(): number | undefined {
    return this.#inQuotes ? this.#startLine : undefined;
  }

  #refuse(problem: string): string {
    this.#inQuotes = false;
    return problem;
  }
}
