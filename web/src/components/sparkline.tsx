import { formatTime } from '../token-model';

const WIDTH = 96;
const HEIGHT = 24;

/**
 * A tiny line of counts per bucket (oldest first), drawn with SVG presentation attributes only.
 * Screen readers get the sentence in `aria-label`; the line is decoration for the eye.
 */
export function Sparkline({ points, what }: { points: ReadonlyArray<{ t: number; count: number }>; what: string }) {
  const total = points.reduce((sum, p) => sum + p.count, 0);
  const busiest = points.reduce<{ t: number; count: number } | undefined>((best, p) => (best === undefined || p.count > best.count ? p : best), undefined);
  const label =
    total === 0 || !busiest
      ? `${what}: no verifications`
      : `${what}: ${total} verification${total === 1 ? '' : 's'}, most (${busiest.count}) in the hour from ${formatTime(busiest.t)}`;
  const max = Math.max(1, ...points.map((p) => p.count));
  const step = points.length > 1 ? WIDTH / (points.length - 1) : WIDTH;
  const line = points.map((p, i) => `${(i * step).toFixed(1)},${(HEIGHT - 2 - (p.count / max) * (HEIGHT - 4)).toFixed(1)}`).join(' ');
  return (
    <svg className="sparkline" role="img" aria-label={label} viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width={WIDTH} height={HEIGHT}>
      <line x1="0" y1={HEIGHT - 1} x2={WIDTH} y2={HEIGHT - 1} stroke="#d0d7de" strokeWidth="1" />
      <polyline points={line} fill="none" stroke="#1f4e79" strokeWidth="1.5" strokeLinejoin="round" />
    </svg>
  );
}
