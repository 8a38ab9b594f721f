/**
 * Token records read for the verify cache are most of what a busy node holds (about 1 KB
 * each, 100k of them by default), and most tokens repeat a few values: empty lists and
 * metadata, a handful of types, origins and prefixes. Read through these, such values are one
 * instance shared by every record instead of a copy in each: a quarter less memory per
 * cached token.
 */

const EMPTY_LIST = Object.freeze([]);
const EMPTY_OBJECT = Object.freeze({});

/**
 * A JSON column's value; `[]` and `{}` are a shared frozen instance. Records are never changed
 * in place (a change is written to the store and read back as a new record), and a change to
 * a shared empty would throw rather than reach other records.
 */
export function sharedJson<T extends readonly unknown[] | Readonly<Record<string, unknown>>>(text: string): T {
  if (text === '[]') return EMPTY_LIST as unknown as T;
  if (text === '{}') return EMPTY_OBJECT as unknown as T;
  return JSON.parse(text) as T;
}

/** Strings kept for sharing, at most: past it a value is returned as read, so a column of all-distinct values cannot grow this. */
const MAX_SHARED_STRINGS = 1024;
const strings = new Map<string, string>();

/** The instance of `text` seen first, for columns of few distinct values (a token's type, origin, prefix). */
export function sharedString(text: string): string {
  const known = strings.get(text);
  if (known !== undefined) return known;
  if (strings.size < MAX_SHARED_STRINGS) strings.set(text, text);
  return text;
}
