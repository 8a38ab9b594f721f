import { buckets, type Usage } from '../token-model';

const WIDTH = 720;
const HEIGHT = 200;
const LEFT = 40;
const RIGHT = 28;
const BOTTOM = 22;

/** One colour per outcome, VALID green and failures in warm or grey tones; the legend and the table name them. */
const COLOURS: Record<string, string> = {
  VALID: '#1a7f37',
  RATE_LIMITED: '#8a5a00',
  USAGE_EXCEEDED: '#bc4c00',
  INSUFFICIENT_PERMISSIONS: '#6f42c1',
  FORBIDDEN: '#8250df',
  REVOKED: '#b42318',
  EXPIRED: '#cf222e',
  DISABLED: '#57606a',
  NOT_FOUND: '#424a53',
};
const colourOf = (outcome: string) => COLOURS[outcome] ?? '#0969da';

const hourLabel = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayLabel = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

/**
 * Verifications per bucket stacked by outcome (SVG, presentation attributes only), with a legend
 * and the same numbers as a table for screen readers and for reading exact counts.
 */
export function OutcomeChart({ usage, title }: { usage: Usage; title: string }) {
  const { granularity } = usage;
  const g = granularity === 'day' ? 'day' : 'hour';
  const outcomes = usage.series.map((s) => s.key.outcome ?? 'unknown');
  const rows = usage.series.map((s) => buckets(s.points, usage.from, usage.to, g));
  const times = rows[0]?.map((p) => p.t) ?? buckets([], usage.from, usage.to, g).map((p) => p.t);
  const totals = times.map((_, i) => rows.reduce((sum, row) => sum + (row[i]?.count ?? 0), 0));
  const total = totals.reduce((a, b) => a + b, 0);
  const max = Math.max(1, ...totals);
  const plotWidth = WIDTH - LEFT - RIGHT;
  const plotHeight = HEIGHT - BOTTOM;
  const slot = plotWidth / Math.max(1, times.length);
  const label = (t: number) => (g === 'hour' ? hourLabel.format(new Date(t)) : dayLabel.format(new Date(t)));
  const every = Math.max(1, Math.ceil(times.length / 8));
  const summary =
    total === 0
      ? `${title}: no verifications in this period.`
      : `${title}: ${total} verification${total === 1 ? '' : 's'}; ${usage.series.map((s) => `${s.key.outcome}: ${s.total}`).join(', ')}.`;

  return (
    <figure className="chart">
      <svg role="img" aria-label={summary} viewBox={`0 0 ${WIDTH} ${HEIGHT}`}>
        <line x1={LEFT} y1={plotHeight} x2={WIDTH - RIGHT} y2={plotHeight} stroke="#8c959f" />
        <text x={LEFT - 6} y="12" textAnchor="end" fontSize="11" fill="#57606a">
          {max}
        </text>
        <text x={LEFT - 6} y={plotHeight} textAnchor="end" fontSize="11" fill="#57606a">
          0
        </text>
        {times.map((t, i) => {
          let y = plotHeight;
          return (
            <g key={t}>
              {rows.map((row, s) => {
                const count = row[i]?.count ?? 0;
                if (count === 0) return null;
                const h = (count / max) * (plotHeight - 8);
                y -= h;
                return <rect key={outcomes[s]} x={LEFT + i * slot + slot * 0.1} y={y} width={slot * 0.8} height={h} fill={colourOf(outcomes[s]!)} />;
              })}
              {i % every === 0 ? (
                <text x={LEFT + i * slot + slot / 2} y={HEIGHT - 6} textAnchor="middle" fontSize="11" fill="#57606a">
                  {label(t)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption>
        {total === 0 ? (
          <span className="muted">No verifications in this period.</span>
        ) : (
          <ul className="legend">
            {usage.series.map((s) => (
              <li key={s.key.outcome}>
                <svg width="12" height="12" aria-hidden="true">
                  <rect width="12" height="12" fill={colourOf(s.key.outcome ?? '')} />
                </svg>{' '}
                {s.key.outcome}: <strong>{s.total}</strong>
              </li>
            ))}
          </ul>
        )}
      </figcaption>
      {total > 0 ? (
        <details>
          <summary>The numbers as a table</summary>
          <div className="table-scroll">
            <table>
              <caption className="visually-hidden">{title}</caption>
              <thead>
                <tr>
                  <th scope="col">{g === 'hour' ? 'Hour from' : 'Day'}</th>
                  {outcomes.map((o) => (
                    <th scope="col" key={o}>
                      {o}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {times.map((t, i) =>
                  totals[i] === 0 ? null : (
                    <tr key={t}>
                      <th scope="row">{g === 'hour' ? `${dayLabel.format(new Date(t))} ${label(t)}` : label(t)}</th>
                      {rows.map((row, s) => (
                        <td key={outcomes[s]}>{row[i]?.count ?? 0}</td>
                      ))}
                    </tr>
                  ),
                )}
              </tbody>
            </table>
          </div>
        </details>
      ) : null}
    </figure>
  );
}
