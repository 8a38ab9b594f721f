import { RANGES, type RangeName } from '../analytics';

/** Last 24 hours / 7 days / 30 days, as a group of toggle buttons. */
export function RangePicker({ value, onChange, label = 'Time range' }: { value: RangeName; onChange(next: RangeName): void; label?: string }) {
  return (
    <div role="group" aria-label={label} className="range-picker">
      {(Object.keys(RANGES) as RangeName[]).map((name) => (
        <button key={name} type="button" className={name === value ? '' : 'secondary'} aria-pressed={name === value} onClick={() => onChange(name)}>
          {RANGES[name].label}
        </button>
      ))}
    </div>
  );
}
