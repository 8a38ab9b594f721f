/** Where a request carries its key: `Authorization: Bearer …` by default. */
export interface KeySource {
  /** A header whose whole value is the key, instead of `Authorization: Bearer`. */
  header?: string;
  /** A query parameter that may carry the key when the header does not. */
  query?: string;
}

/** Reads a request's headers (by lower-case name) and query parameters for the key. */
export interface KeyReader {
  header(name: string): string | undefined;
  query(name: string): string | undefined;
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** The key a request presents, or undefined; an empty value or another scheme is no key. */
export function presentedKey(source: KeySource, read: KeyReader): string | undefined {
  const header = (source.header ?? 'authorization').toLowerCase();
  const value = read.header(header)?.trim();
  const fromHeader = header === 'authorization' ? (value === undefined ? undefined : BEARER.exec(value)?.[1]) : value;
  if (fromHeader) return fromHeader;
  if (source.query === undefined) return undefined;
  return read.query(source.query)?.trim() || undefined;
}
