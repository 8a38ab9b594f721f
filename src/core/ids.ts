const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

export type IdKind = 'tok' | 'usr' | 'team' | 'evt';

/**
 * A typed id `<kind>_<10 chars of time><16 chars of randomness>` in lower-case Crockford
 * base32 (the ULID layout). Ids sort by creation time, so keyset pagination can use the id alone.
 */
export function newId(kind: IdKind, nowMs: number, randomBytes: (n: number) => Uint8Array): string {
  let time = '';
  let rest = Math.floor(nowMs);
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[rest % 32] + time;
    rest = Math.floor(rest / 32);
  }
  let random = '';
  for (const byte of randomBytes(16)) random += CROCKFORD[byte & 31];
  return `${kind}_${time}${random}`;
}

export function isId(kind: IdKind, value: string): boolean {
  return value.startsWith(`${kind}_`) && /^[0-9a-z]{26}$/.test(value.slice(kind.length + 1));
}
