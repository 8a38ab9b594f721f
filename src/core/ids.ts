const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

export type IdKind = 'tok' | 'usr' | 'team' | 'evt' | 'ecfg' | 'whk' | 'msg' | 'dlv';

let lastTime = -1;
let lastRandom = '';

/**
 * A typed id `<kind>_<10 chars of time><16 chars of randomness>` in lower-case Crockford
 * base32 (the ULID layout). Ids sort by creation time, so keyset pagination can use the id
 * alone; within one process they strictly increase even inside one millisecond or when the
 * clock steps back (the random part of the previous id is incremented instead).
 */
export function newId(kind: IdKind, nowMs: number, randomBytes: (n: number) => Uint8Array): string {
  let time = Math.floor(nowMs);
  let random: string;
  if (time <= lastTime) {
    time = lastTime;
    random = increment(lastRandom);
  } else {
    random = '';
    for (const byte of randomBytes(16)) random += CROCKFORD[byte & 31];
  }
  lastTime = time;
  lastRandom = random;
  return `${kind}_${encodeTime(time)}${random}`;
}

function encodeTime(ms: number): string {
  let out = '';
  let rest = ms;
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function increment(random: string): string {
  const digits = [...random].map((c) => CROCKFORD.indexOf(c));
  for (let i = digits.length - 1; i >= 0; i--) {
    if (digits[i]! < 31) {
      digits[i]!++;
      break;
    }
    digits[i] = 0;
  }
  return digits.map((d) => CROCKFORD[d]).join('');
}
