import './chart.css';
import { useEffect, useRef, useState } from 'react';
import { seriesColour } from './chart-colours';

export interface ChartSeries {
  /** What the legend and the table call it, e.g. an outcome (`VALID`) or a token's name. */
  label: string;
  points: ReadonlyArray<{ t: number; count: number }>;
}

export interface TimeSeriesChartProps {
  /** Names the chart for screen readers and titles its table, e.g. "Verifications by outcome". */
  title: string;
  series: readonly ChartSeries[];
  /** The first bucket's start and the end of the range (ms since the epoch). */
  from: number;
  to: number;
  /** The width of one bucket in ms (a minute, an hour, a day). */
  step: number;
  /** How a bucket's start reads on the axis and in the table; by default the local date and time. */
  formatTime?: (t: number) => string;
}

const HEIGHT = 220;
const LEFT = 44;
const BOTTOM = 24;
const TOP = 8;

/** Buckets from `from` to `to` and, for each, every series' count (0 where a series has no point). */
export function bucketise(series: readonly ChartSeries[], from: number, to: number, step: number): { starts: number[]; counts: number[][] } {
  const first = Math.floor(from / step) * step;
  const starts: number[] = [];
  for (let t = first; t < to && starts.length < 2000; t += step) starts.push(t);
  const index = new Map(starts.map((t, i) => [t, i]));
  const counts = series.map((s) => {
    const row = starts.map(() => 0);
    for (const point of s.points) {
      const i = index.get(Math.floor(point.t / step) * step);
      if (i !== undefined) row[i]! += point.count;
    }
    return row;
  });
  return { starts, counts };
}

function defaultFormat(t: number): string {
  return new Date(t).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** A round number at or above `n` for the top of the axis (1, 2, 5 × 10^k). */
function niceMax(n: number): number {
  if (n <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 5, 10]) if (m * power >= n) return m * power;
  return 10 * power;
}

/** The width the chart has on the page, so it is drawn at its size (text is never stretched). */
function useWidth(fallback: number) {
  const ref = useRef<HTMLElement>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const element = ref.current;
    if (!element || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(([entry]) => entry && entry.contentRect.width > 0 && setWidth(Math.round(entry.contentRect.width)));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return { ref, width };
}

/**
 * Counts over time as bars stacked by series, drawn in SVG (presentation attributes only: the page
 * allows no inline styles), with a legend and the same numbers in a table for screen readers and
 * anyone who would rather read them.
 */
export function TimeSeriesChart({ title, series, from, to, step, formatTime = defaultFormat }: TimeSeriesChartProps) {
  const { ref, width: WIDTH } = useWidth(720);
  const { starts, counts } = bucketise(series, from, to, step);
  const totals = starts.map((_, i) => counts.reduce((sum, row) => sum + row[i]!, 0));
  const grand = totals.reduce((a, b) => a + b, 0);
  const max = niceMax(Math.max(0, ...totals));
  const plotWidth = WIDTH - LEFT - 8;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const slot = plotWidth / Math.max(1, starts.length);
  const barWidth = Math.max(1, slot * 0.8);
  const y = (value: number) => TOP + plotHeight - (value / max) * plotHeight;
  // About one time label per 120 px.
  const labelEvery = Math.max(1, Math.ceil(starts.length / Math.max(2, Math.floor(plotWidth / 120))));
  const summary =
    grand === 0
      ? `${title}: nothing counted between ${formatTime(from)} and ${formatTime(to)}.`
      : `${title}: ${grand} in all between ${formatTime(from)} and ${formatTime(to)}; ` +
        series.map((s, i) => `${s.label} ${counts[i]!.reduce((a, b) => a + b, 0)}`).join(', ') +
        '.';

  return (
    <figure className="chart" ref={ref}>
      <svg width={WIDTH} height={HEIGHT} viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={summary} className="chart-svg">
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line x1={LEFT} x2={WIDTH - 8} y1={y(max * f)} y2={y(max * f)} stroke="#d0d7de" strokeWidth="1" />
            <text x={LEFT - 6} y={y(max * f) + 4} textAnchor="end" fontSize="11" fill="#57606a">
              {max * f}
            </text>
          </g>
        ))}
        {starts.map((t, i) => {
          let base = 0;
          return (
            <g key={t}>
              {counts.map((row, s) => {
                const value = row[i]!;
                if (value === 0) return null;
                const top = y(base + value);
                const rect = (
                  <rect
                    key={s}
                    x={LEFT + i * slot + (slot - barWidth) / 2}
                    y={top}
                    width={barWidth}
                    height={y(base) - top}
                    fill={seriesColour(series[s]!.label, s)}
                  />
                );
                base += value;
                return rect;
              })}
              {i % labelEvery === 0 ? (
                <text x={LEFT + i * slot + slot / 2} y={HEIGHT - 6} textAnchor="middle" fontSize="11" fill="#57606a">
                  {formatTime(t)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption>
        {series.length === 0 ? (
          <span className="muted">Nothing counted in this range.</span>
        ) : (
          <ul className="legend">
            {series.map((s, i) => (
              <li key={s.label}>
                <svg width="12" height="12" aria-hidden="true" focusable="false">
                  <rect width="12" height="12" rx="2" fill={seriesColour(s.label, i)} />
                </svg>{' '}
                {s.label} <span className="muted">({counts[i]!.reduce((a, b) => a + b, 0)})</span>
              </li>
            ))}
          </ul>
        )}
        {grand > 0 ? (
          <details>
            <summary>Show as a table</summary>
            <div className="table-scroll">
              <table>
                <caption className="visually-hidden">{title}</caption>
                <thead>
                  <tr>
                    <th scope="col">Time</th>
                    {series.map((s) => (
                      <th scope="col" key={s.label}>
                        {s.label}
                      </th>
                    ))}
                    <th scope="col">Total</th>
                  </tr>
                </thead>
                <tbody>
                  {starts.map((t, i) =>
                    totals[i] === 0 ? null : (
                      <tr key={t}>
                        <th scope="row">{formatTime(t)}</th>
                        {counts.map((row, s) => (
                          <td key={s}>{row[i]}</td>
                        ))}
                        <td>{totals[i]}</td>
                      </tr>
                    ),
                  )}
                </tbody>
              </table>
            </div>
          </details>
        ) : null}
      </figcaption>
    </figure>
  );
}
