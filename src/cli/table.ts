/** Aligns rows under a header, two spaces between columns. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** A millisecond timestamp for people, in ISO 8601 with its zone (UTC, `Z`) to the second; '-' when absent. */
export function formatTime(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `500ms`, `90s`, `15m`, `12h`, `30d`, `2w` → milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)(ms|[smhdw])$/.exec(text.trim());
  if (!match) throw new Error(`invalid duration "${text}": use a number and one of ms, s, m, h, d, w (e.g. 30d)`);
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}

/** Milliseconds in the largest unit of parseDuration's that divides them: 60000 → `1m`, 1500 → `1500ms`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const units = Object.entries(UNIT_MS).sort((a, b) => b[1] - a[1]);
  const [unit, size] = units.find(([, size]) => ms % size === 0) ?? ['ms', 1];
  return `${ms / size}${unit}`;
}

/** An ISO date or milliseconds since the epoch → milliseconds. */
export function parseInstant(text: string): number {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (Number.isNaN(ms)) throw new Error(`invalid time "${text}": use an ISO date or milliseconds`);
  return ms;
}
