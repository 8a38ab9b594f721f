/** Where an import (or any long count) stands: how many of how many, and since when. */
export interface ProgressState {
  done: number;
  total: number;
  elapsedMs: number;
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const two = (n: number) => String(n).padStart(2, '0');
  return s >= 3600 ? `${Math.floor(s / 3600)}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}` : `${two(Math.floor(s / 60))}:${two(s % 60)}`;
}

/** `done/total`, the rate per second and the time left at that rate. */
function figures({ done, total, elapsedMs }: ProgressState): string {
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const eta = rate > 0 ? (total - done) / rate : Number.POSITIVE_INFINITY;
  return `${done}/${total} ${Math.round(rate)}/s ETA ${duration(eta)}`;
}

/** A terminal's bar: `[#####-----]  42% 420000/1000000 98000/s ETA 00:06`, redrawn in place. */
export function progressBar(state: ProgressState, width = 30): string {
  const fraction = state.total > 0 ? Math.min(1, state.done / state.total) : 1;
  const filled = Math.round(fraction * width);
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${percent} ${figures(state)}`;
}

/** A log's line, one of a few: `import: 42% 420000/1000000 98000/s ETA 00:06`. */
export function progressLine(label: string, state: ProgressState): string {
  const fraction = state.total > 0 ? Math.min(1, state.done / state.total) : 1;
  return `${label}: ${Math.floor(fraction * 100)}% ${figures(state)}`;
}

/**
 * When to say where things stand: on a terminal at most 10 times a second; otherwise (a log, a
 * pipe) each time another tenth is done or 5 s have passed, so a log gets a few lines, not a flood.
 */
export class ProgressPace {
  #lastAt = Number.NEGATIVE_INFINITY;
  #lastTenth = 0;

  constructor(private readonly tty: boolean) {}

  due(state: ProgressState, nowMs: number): boolean {
    if (this.tty) {
      if (nowMs - this.#lastAt < 100) return false;
    } else {
      const tenth = state.total > 0 ? Math.floor((state.done * 10) / state.total) : 10;
      if (tenth <= this.#lastTenth && nowMs - this.#lastAt < 5000) return false;
      this.#lastTenth = tenth;
    }
    this.#lastAt = nowMs;
    return true;
  }
}
