/**
 * The figures of `npm run bench`, from raw rounds to what people read: medians and ratios,
 * targets met or not, a text table, a Markdown table and an SVG chart. Pure functions.
 */
import type { RoundFigures } from './load.js';

/** What the issue asks of a scenario, each as a ratio to the baseline measured in the same run, or an RSS bound. */
export interface Targets {
  /** tessera's requests/s over the baseline's, at least. */
  minRatio?: number;
  /** tessera's p99 over the baseline's, at most. */
  maxP99Ratio?: number;
  /** tessera's RSS, below. */
  maxRssMb?: number;
}

export interface Round {
  baseline: RoundFigures;
  tessera: RoundFigures;
}

/**
 * What a row's ratio is against, measured in the same run: a bare node:http server (reads the
 * body, `JSON.parse`, a fixed answer), or the miss floor of issue 18 (the same, plus SHA-256 of
 * the token, one prepared SQLite lookup by digest in the store tessera serves, a JSON answer from the row).
 */
export type BaselineKind = 'bare' | 'miss-floor';

export const BASELINE_NAMES: Record<BaselineKind, string> = { bare: 'bare node:http', 'miss-floor': 'miss floor' };

/** The settings column of a row that runs tessera as `npm start` does. */
export const DEFAULT_SETTINGS = 'default';

export interface RowResult {
  scenario: string;
  /** The scenario's number in issue 6's list: tables are in that order. */
  item: number;
  title: string;
  store: string;
  /** `default` (as `npm start` runs tessera), or the variables set, as `NAME=value …`. */
  settings: string;
  /** What `rounds[].baseline` is. */
  baseline: BaselineKind;
  targets: Targets;
  /** What a reader should know to judge this row's figures. */
  note?: string;
  rounds: Round[];
}

export interface Side {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  /** The largest RSS seen after a round, in MB. */
  rssMb: number;
  /** The server's CPU time per request, in µs. */
  cpuUsPerRequest: number;
}

export interface Summary {
  tessera: Side;
  baseline: Side;
  /** The median of the rounds' tessera/baseline requests/s: each round is paired with the baseline round just before it. */
  ratio: number;
  p99Ratio: number;
  verdicts: Verdict[];
}

export interface Verdict {
  label: string;
  met: boolean;
}

/**
 * Rows in the order of scenarios, those in the default configuration first within a
 * scenario (so warm verification as `npm start` runs it heads the table); otherwise in the
 * order they ran.
 */
export function inReportOrder(rows: readonly RowResult[]): RowResult[] {
  const variant = (r: RowResult) => (r.settings === DEFAULT_SETTINGS ? 0 : 1);
  return [...rows].sort((a, b) => a.item - b.item || variant(a) - variant(b));
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of nothing');
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function side(figures: readonly RoundFigures[]): Side {
  return {
    requestsPerSecond: median(figures.map((f) => f.requestsPerSecond)),
    p50: median(figures.map((f) => f.p50)),
    p99: median(figures.map((f) => f.p99)),
    rssMb: Math.max(...figures.map((f) => f.rssMb)),
    cpuUsPerRequest: median(figures.map((f) => f.cpuUsPerRequest)),
  };
}

export function summarize(row: RowResult): Summary {
  const tessera = side(row.rounds.map((r) => r.tessera));
  const baseline = side(row.rounds.map((r) => r.baseline));
  const ratio = median(row.rounds.map((r) => r.tessera.requestsPerSecond / r.baseline.requestsPerSecond));
  // A p99 of 0 ms (autocannon counts whole milliseconds) is taken as 1 ms: a ratio, not a division by zero.
  const p99Ratio = median(row.rounds.map((r) => Math.max(r.tessera.p99, 1) / Math.max(r.baseline.p99, 1)));
  const verdicts: Verdict[] = [];
  const { minRatio, maxP99Ratio, maxRssMb } = row.targets;
  if (minRatio !== undefined) verdicts.push({ label: `≥ ${minRatio}×`, met: ratio >= minRatio });
  if (maxP99Ratio !== undefined) verdicts.push({ label: `p99 ≤ ${maxP99Ratio}×`, met: p99Ratio <= maxP99Ratio });
  if (maxRssMb !== undefined) verdicts.push({ label: `RSS < ${maxRssMb} MB`, met: tessera.rssMb < maxRssMb });
  return { tessera, baseline, ratio, p99Ratio, verdicts };
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (n >= 10 ? n.toFixed(0) : n.toFixed(1));
const times = (n: number) => `${n.toFixed(2)}×`;

export const TABLE_HEADER = [
  'scenario',
  'store',
  'settings',
  'against',
  'req/s',
  'p50 ms',
  'p99 ms',
  'RSS MB',
  'CPU µs/req',
  'baseline req/s',
  'baseline p99',
  'baseline CPU µs/req',
  'ratio',
  'p99 ratio',
  'target',
  'met?',
];

/** One table row per scenario and store, as strings. */
export function tableCells(row: RowResult, summary = summarize(row)): string[] {
  const { tessera, baseline, verdicts } = summary;
  return [
    row.title,
    row.store,
    row.settings,
    BASELINE_NAMES[row.baseline],
    int(tessera.requestsPerSecond),
    ms(tessera.p50),
    ms(tessera.p99),
    tessera.rssMb.toFixed(0),
    tessera.cpuUsPerRequest.toFixed(0),
    int(baseline.requestsPerSecond),
    ms(baseline.p99),
    baseline.cpuUsPerRequest.toFixed(0),
    times(summary.ratio),
    times(summary.p99Ratio),
    verdicts.length > 0 ? verdicts.map((v) => v.label).join(', ') : '—',
    verdicts.length > 0 ? verdicts.map((v) => (v.met ? 'yes' : 'NO')).join(', ') : '—',
  ];
}

/** The columns of words (scenario, store, settings, against), left-aligned; the figures after them right-aligned. */
const TEXT_COLUMNS = 4;

/** A fixed-width table for the terminal. */
export function textTable(rows: readonly RowResult[]): string {
  const lines = [TABLE_HEADER, ...rows.map((r) => tableCells(r))];
  const widths = TABLE_HEADER.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  return lines.map((l) => l.map((cell, i) => (i < TEXT_COLUMNS ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')).join('\n');
}

export function markdownTable(rows: readonly RowResult[]): string {
  const escape = (cell: string) => cell.replaceAll('|', '\\|');
  const lines = [TABLE_HEADER, TABLE_HEADER.map((_, i) => (i < TEXT_COLUMNS ? '---' : '---:')), ...rows.map((r) => tableCells(r).map(escape))];
  return lines.map((l) => `| ${l.join(' | ')} |`).join('\n');
}

const xml = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** A row as the chart names it: what, where, with which settings when not the default, against what. */
export function chartLabel(row: RowResult): string {
  const settings = row.settings === DEFAULT_SETTINGS ? '' : ` · ${row.settings}`;
  return `${row.title} · ${row.store}${settings} · vs ${BASELINE_NAMES[row.baseline]}`;
}

/**
 * A horizontal bar chart of each row's ratio to its baseline (requests/s), with the row's
 * target ratio marked: green when met, red when not, grey without a target.
 */
export function svgChart(rows: readonly RowResult[], caption: string): string {
  const summaries = rows.map((r) => summarize(r));
  const labels = rows.map(chartLabel);
  // About 7 px a character at 13 px sans-serif: the labels fit left of the bars.
  const left = Math.max(200, Math.ceil(Math.max(0, ...labels.map((l) => l.length)) * 7.2) + 16);
  const plot = 560;
  const right = 70;
  const width = left + plot + right;
  const top = 90;
  const bar = 22;
  const gap = 12;
  const height = top + rows.length * (bar + gap) + 60;
  const max = Math.max(1.2, ...summaries.map((s) => s.ratio), ...rows.map((r) => r.targets.minRatio ?? 0)) * 1.05;
  const x = (ratio: number) => left + (ratio / max) * plot;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="13">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="16" y="26" font-size="17" font-weight="bold">tessera requests/s as a ratio to the baseline each row names (higher is better)</text>`,
    `<text x="16" y="48" fill="#555555">${xml(caption)}</text>`,
  );
  const axisY = top + rows.length * (bar + gap);
  for (let tick = 0; tick <= max; tick += 0.25) {
    const tx = x(tick).toFixed(1);
    parts.push(
      `<line x1="${tx}" y1="${top - 6}" x2="${tx}" y2="${axisY}" stroke="${tick === 1 ? '#888888' : '#e3e3e3'}" stroke-width="1"/>`,
      `<text x="${tx}" y="${axisY + 16}" text-anchor="middle" fill="#555555">${tick.toFixed(2)}×</text>`,
    );
  }
  parts.push(`<text x="${x(1).toFixed(1)}" y="${top - 10}" text-anchor="middle" fill="#555555">baseline</text>`);
  rows.forEach((row, i) => {
    const s = summaries[i]!;
    const y = top + i * (bar + gap);
    const target = row.targets.minRatio;
    const color = target === undefined ? '#8a9ba8' : s.ratio >= target ? '#2e7d32' : '#c62828';
    parts.push(
      `<g class="row">`,
      `<text x="${left - 8}" y="${y + bar / 2 + 4}" text-anchor="end">${xml(labels[i]!)}</text>`,
      `<rect class="bar" x="${left}" y="${y}" width="${Math.max(1, x(s.ratio) - left).toFixed(1)}" height="${bar}" fill="${color}"/>`,
      `<text x="${(x(s.ratio) + 6).toFixed(1)}" y="${y + bar / 2 + 4}">${times(s.ratio)}</text>`,
    );
    if (target !== undefined) {
      const tx = x(target).toFixed(1);
      parts.push(
        `<line class="target" x1="${tx}" y1="${y - 4}" x2="${tx}" y2="${y + bar + 4}" stroke="#000000" stroke-width="2.5" stroke-dasharray="4 2"/>`,
        `<text x="${tx}" y="${y - 5}" text-anchor="middle" font-size="10">target ${target}×</text>`,
      );
    }
    parts.push('</g>');
  });
  const legendY = axisY + 40;
  parts.push(
    `<rect x="${left}" y="${legendY - 10}" width="12" height="12" fill="#2e7d32"/><text x="${left + 18}" y="${legendY}">target met</text>`,
    `<rect x="${left + 110}" y="${legendY - 10}" width="12" height="12" fill="#c62828"/><text x="${left + 128}" y="${legendY}">target not met</text>`,
    `<rect x="${left + 250}" y="${legendY - 10}" width="12" height="12" fill="#8a9ba8"/><text x="${left + 268}" y="${legendY}">no target</text>`,
    `<line x1="${left + 350}" y1="${legendY - 10}" x2="${left + 350}" y2="${legendY + 2}" stroke="#000000" stroke-width="2.5" stroke-dasharray="4 2"/><text x="${left + 358}" y="${legendY}">target ratio</text>`,
    '</svg>',
  );
  return parts.join('\n') + '\n';
}

/**
 * The same scenario on stores of different sizes: tessera's RSS on each, largest store first,
 * so whether memory grows with the store can be read in one line. Undefined with fewer than two
 * stores. Rows of one store against two baselines share tessera's rounds: named once.
 */
export function rssByStore(rows: readonly RowResult[], scenario: string): string | undefined {
  const same = rows.filter((r, i) => r.scenario === scenario && rows.findIndex((o) => o.scenario === scenario && o.store === r.store) === i);
  if (same.length < 2) return undefined;
  return same.map((r) => `${summarize(r).tessera.rssMb.toFixed(0)} MB with ${r.store}`).join(', ');
}
