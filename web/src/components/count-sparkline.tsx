import './chart.css';
/**
 * A small line of verifications per bucket (e.g. a token's per hour over the last day), with its
 * total and peak in words for screen readers; the line is decoration for the eye. `label` says
 * whose they are and when: "billing worker, last 24 hours".
 */
export function CountSparkline({ values, label, width = 120, height = 28 }: { values: readonly number[]; label: string; width?: number; height?: number }) {
  const total = values.reduce((a, b) => a + b, 0);
  const peak = Math.max(0, ...values);
  const summary = total === 0 ? `${label}: no verifications` : `${label}: ${total} verification${total === 1 ? '' : 's'}, at most ${peak} in one interval`;
  const step = values.length > 1 ? (width - 2) / (values.length - 1) : 0;
  const y = (v: number) => height - 2 - (peak === 0 ? 0 : (v / peak) * (height - 4));
  const d = values.map((v, i) => `${i === 0 ? 'M' : 'L'}${(1 + i * step).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  return (
    <svg className="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={summary}>
      <line x1="1" x2={width - 1} y1={height - 2} y2={height - 2} stroke="#d0d7de" strokeWidth="1" />
      {values.length > 1 ? <path d={d} fill="none" stroke="#1f4e79" strokeWidth="1.5" strokeLinejoin="round" /> : null}
    </svg>
  );
}
