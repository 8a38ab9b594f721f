import { parseSecret } from './secret.js';

/**
 * Keys another system issued, imported by their text or digest (`tessera import`), keep
 * working with their old text. Their text has no checksum, so it cannot be told from a
 * made-up one without a lookup: verification looks such texts up (with the negative cache)
 * only on an installation that holds imported keys, which this setting records.
 */
export const FOREIGN_KEYS_SETTING = 'foreign-keys';
export const FOREIGN_KEYS_PRESENT = 'present';

/** The longest foreign key text looked up or imported. */
export const FOREIGN_KEY_MAX_LENGTH = 512;
/** The shortest: anything shorter is no key any system issues. */
export const FOREIGN_KEY_MIN_LENGTH = 8;

/** Visible ASCII only: no spaces, control characters or anything a header could not carry. */
const FOREIGN_PATTERN = /^[\x21-\x7e]+$/;
/** tessera's own shape, bare or inside an Unleash wrapper: its checksum decides, never a lookup. */
const TESSERA_SHAPE = /(?:^|\.)[a-z][a-z0-9]{0,15}_[0-9A-Za-z]{36}$/;

/**
 * What a presented text can be: `tessera` (format and checksum hold), `foreign` (some other
 * system's key, looked up only where imported keys exist), or `malformed` (tessera's shape with a
 * wrong checksum, or no key at all: never looked up).
 */
export type KeyTextKind = 'tessera' | 'foreign' | 'malformed';

export function classifyKeyText(text: string): KeyTextKind {
  if (parseSecret(text)) return 'tessera';
  return isForeignKeyText(text) ? 'foreign' : 'malformed';
}

/**
 * `classifyKeyText(text) === 'foreign'` for a text `parseSecret` has refused already: the verify
 * path asks this only after its own parseSecret, so a tessera secret is never checked twice.
 */
export function isForeignKeyText(text: string): boolean {
  if (text.length < FOREIGN_KEY_MIN_LENGTH || text.length > FOREIGN_KEY_MAX_LENGTH) return false;
  return !TESSERA_SHAPE.test(text) && FOREIGN_PATTERN.test(text);
}
