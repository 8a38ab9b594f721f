/** How times and durations read for people, in the reader's locale. */
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatTime(at: number | null | undefined, none = 'never'): string {
  return at === null || at === undefined ? none : dateTimeFormat.format(new Date(at));
}

/** "3 minutes ago", "in 2 days": for last use and expiry. */
export function formatRelative(at: number, now = Date.now()): string {
  const delta = at - now;
  const units: Array<[Intl.RelativeTimeFormatUnit, number]> = [
    ['day', DAY],
    ['hour', HOUR],
    ['minute', MINUTE],
  ];
  const format = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  for (const [unit, size] of units) if (Math.abs(delta) >= size) return format.format(Math.round(delta / size), unit);
  return delta < 0 ? 'just now' : 'in less than a minute';
}

export function formatDuration(ms: number): string {
  const units: Array<[string, number]> = [
    ['day', DAY],
    ['hour', HOUR],
    ['minute', MINUTE],
    ['second', 1000],
  ];
  for (const [unit, size] of units) if (ms >= size && ms % size === 0) return `${ms / size} ${unit}${ms / size === 1 ? '' : 's'}`;
  return `${ms} ms`;
}
