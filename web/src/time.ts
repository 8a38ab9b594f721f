/** "3 minutes ago", "in 2 days", "just now": how long from `now` to `t`, in words. */
export function relativeTime(t: number, now = Date.now()): string {
  const seconds = Math.round((t - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return 'just now';
  const units: Array<[Intl.RelativeTimeFormatUnit, number]> = [
    ['year', 365 * 86400],
    ['month', 30 * 86400],
    ['day', 86400],
    ['hour', 3600],
    ['minute', 60],
  ];
  const format = new Intl.RelativeTimeFormat('en', { numeric: 'always' });
  for (const [unit, size] of units) if (abs >= size) return format.format(Math.round(seconds / size), unit);
  return format.format(Math.round(seconds / 60), 'minute');
}

/** A moment as the reader's local date and time, e.g. "5 Dec 2026, 10:02". */
export function dateTime(t: number): string {
  return new Date(t).toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}
