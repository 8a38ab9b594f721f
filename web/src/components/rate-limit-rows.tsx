import { useId } from 'react';

/** A rate limit as the form holds it: text, so a half-typed number is kept as typed. */
export interface RateLimitDraft {
  key: number;
  name: string;
  limit: string;
  duration: string;
  unit: 'second' | 'minute' | 'hour' | 'day';
}

export const UNIT_MS: Record<RateLimitDraft['unit'], number> = { second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000 };

let nextKey = 1;
export const newRateLimit = (): RateLimitDraft => ({ key: nextKey++, name: '', limit: '', duration: '1', unit: 'minute' });

/** Rows of rate limits (name, limit, window) that can be added and removed; each input labelled with its row. */
export function RateLimitRows({ rows, onChange }: { rows: RateLimitDraft[]; onChange: (rows: RateLimitDraft[]) => void }) {
  const id = useId();
  const set = (key: number, change: Partial<RateLimitDraft>) => onChange(rows.map((row) => (row.key === key ? { ...row, ...change } : row)));
  return (
    <fieldset>
      <legend>Rate limits</legend>
      {rows.length === 0 ? <p className="muted">No rate limits: verifications are not throttled.</p> : null}
      {rows.map((row, i) => (
        <div className="rate-limit-row" key={row.key}>
          <div>
            <label htmlFor={`${id}-${row.key}-name`}>Limit {i + 1} name</label>
            <input id={`${id}-${row.key}-name`} value={row.name} placeholder="burst" onChange={(e) => set(row.key, { name: e.target.value })} />
          </div>
          <div>
            <label htmlFor={`${id}-${row.key}-limit`}>Limit {i + 1} requests</label>
            <input id={`${id}-${row.key}-limit`} inputMode="numeric" value={row.limit} onChange={(e) => set(row.key, { limit: e.target.value })} />
          </div>
          <div>
            <label htmlFor={`${id}-${row.key}-duration`}>Limit {i + 1} per</label>
            <input id={`${id}-${row.key}-duration`} inputMode="numeric" value={row.duration} onChange={(e) => set(row.key, { duration: e.target.value })} />
          </div>
          <div>
            <label htmlFor={`${id}-${row.key}-unit`}>Limit {i + 1} unit</label>
            <select id={`${id}-${row.key}-unit`} value={row.unit} onChange={(e) => set(row.key, { unit: e.target.value as RateLimitDraft['unit'] })}>
              <option value="second">seconds</option>
              <option value="minute">minutes</option>
              <option value="hour">hours</option>
              <option value="day">days</option>
            </select>
          </div>
          <button type="button" className="secondary" onClick={() => onChange(rows.filter((r) => r.key !== row.key))}>
            Remove limit {i + 1}
          </button>
        </div>
      ))}
      {rows.length < 10 ? (
        <button type="button" className="secondary" onClick={() => onChange([...rows, newRateLimit()])}>
          Add a rate limit
        </button>
      ) : null}
    </fieldset>
  );
}
