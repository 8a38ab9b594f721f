/**
 * Credits are exact decimals with up to 9 fraction digits (Eden AI's balance has 9), kept
 * as integer counts of 10⁻⁹ units in a bigint: never a floating-point number.
 */
export const NANOS_PER_CREDIT = 1_000_000_000n;

/** A decimal amount as the API accepts it: optional sign, digits, up to 9 fraction digits. */
export const CREDITS_PATTERN = '^-?\\d{0,10}(?:\\.\\d{0,9})?$';
const CREDITS_RE = new RegExp(CREDITS_PATTERN);

/** The largest amount (10⁹ credits) a balance or charge may be, so any sum of two fits a signed 64-bit column. */
export const MAX_CREDITS = 10n ** 9n * NANOS_PER_CREDIT;

/** `"12.5"` → 12_500_000_000n; undefined for anything that is not such a decimal. */
export function parseCredits(text: string): bigint | undefined {
  if (!CREDITS_RE.test(text) || !/\d/.test(text)) return undefined;
  const negative = text.startsWith('-');
  const [whole = '', fraction = ''] = text.replace('-', '').split('.');
  const nanos = BigInt(whole || '0') * NANOS_PER_CREDIT + BigInt(fraction.padEnd(9, '0') || '0');
  if (nanos > MAX_CREDITS) return undefined;
  return negative ? -nanos : nanos;
}

/**
 * 12_500_000_000n → `"12.5"`; with `fractionDigits: 9`, `"12.500000000"` (how a decimal
 * column with 9 places prints, as Eden AI answers).
 */
export function formatCredits(nanos: bigint, options: { fractionDigits?: 9 } = {}): string {
  const negative = nanos < 0n;
  const abs = negative ? -nanos : nanos;
  const whole = (abs / NANOS_PER_CREDIT).toString();
  let fraction = (abs % NANOS_PER_CREDIT).toString().padStart(9, '0');
  if (options.fractionDigits === undefined) fraction = fraction.replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** One whole credit: what a verification costs when the caller names no cost. */
export const DEFAULT_COST = NANOS_PER_CREDIT;
