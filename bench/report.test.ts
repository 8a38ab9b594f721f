import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RoundFigures } from './load.js';
import { cpuTimeMsOf, sliceFor } from './load.js';
import { markdownTable, median, rssByStore, summarize, svgChart, textTable, type RowResult } from './report.js';
import { floodTokens } from './scenarios.js';
import { parseSecret } from '../src/core/secret.js';

const figures = (requestsPerSecond: number, p99: number, rssMb = 100, cpuUsPerRequest = 50): RoundFigures => ({
  requestsPerSecond,
  requests: requestsPerSecond * 2,
  p50: p99 / 4,
  p99,
  rssMb,
  peakRssMb: rssMb,
  cpuUsPerRequest,
  durationS: 2,
});

const row = (scenario: string, store: string, pairs: Array<[number, number]>, targets: RowResult['targets'] = {}, rssMb = 100): RowResult => ({
  scenario,
  item: 1,
  title: `${scenario} <&> "title"`,
  store,
  targets,
  rounds: pairs.map(([a, b]) => ({ baseline: figures(a, 10), tessera: figures(b, 12, rssMb) })),
});

/** Well-formed enough for a browser: every tag closed in order, no stray `<` or `&` in text or attributes. */
function assertWellFormed(xml: string): void {
  const stack: string[] = [];
  for (const [tag] of xml.matchAll(/<[^>]*>/g)) {
    if (tag.startsWith('</')) assert.equal(stack.pop(), tag.slice(2, -1).trim(), `unbalanced ${tag}`);
    else if (!tag.endsWith('/>')) stack.push(/^<([\w:-]+)/.exec(tag)![1]!);
  }
  assert.deepEqual(stack, []);
  const text = xml.replace(/<[^>]*>/g, '');
  assert.doesNotMatch(text, /<|&(?!(amp|lt|gt|quot);)/);
}

describe('bench report', () => {
  it('median takes the middle, or the mean of the two middle values', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.throws(() => median([]));
  });

  it('the ratio is the median of the paired rounds, and targets are judged on it', () => {
    const summary = summarize(row('verify-warm', 'SQLite', [[10_000, 9_000], [20_000, 8_000], [10_000, 5_000]], { minRatio: 0.85, maxP99Ratio: 1.5, maxRssMb: 250 }));
    assert.equal(summary.ratio, 0.5);
    assert.equal(summary.tessera.requestsPerSecond, 8_000);
    assert.equal(summary.p99Ratio, 1.2);
    assert.deepEqual(summary.verdicts, [
      { label: '≥ 0.85×', met: false },
      { label: 'p99 ≤ 1.5×', met: true },
      { label: 'RSS < 250 MB', met: true },
    ]);
  });

  it('shows the CPU per request of each side, the median of its rounds', () => {
    const cpuRow: RowResult = {
      ...row('verify-warm', 'SQLite', []),
      rounds: [
        { baseline: figures(100, 5, 100, 44), tessera: figures(60, 8, 100, 71) },
        { baseline: figures(100, 5, 100, 48), tessera: figures(60, 8, 100, 90) },
        { baseline: figures(100, 5, 100, 41), tessera: figures(60, 8, 100, 69) },
      ],
    };
    const summary = summarize(cpuRow);
    assert.equal(summary.tessera.cpuUsPerRequest, 71);
    assert.equal(summary.baseline.cpuUsPerRequest, 44);
    const [header, , line] = markdownTable([cpuRow]).split('\n');
    const cells = (text: string) => text.split('|').map((cell) => cell.trim());
    const at = (name: string) => cells(header!).indexOf(name);
    assert.equal(cells(line!)[at('CPU µs/req')], '71');
    assert.equal(cells(line!)[at('baseline CPU µs/req')], '44');
  });

  it('reads the CPU time of a process from /proc as Node counts its own', { skip: process.platform !== 'linux' && 'reads /proc (Linux)' }, () => {
    const before = cpuTimeMsOf(process.pid);
    const usage = process.cpuUsage();
    // Busy until Node counts 200 ms of CPU, however long other processes keep the cores.
    const cpuMs = () => {
      const { user, system } = process.cpuUsage(usage);
      return (user + system) / 1000;
    };
    while (cpuMs() < 200);
    const spentMs = cpuTimeMsOf(process.pid) - before;
    const nodeMs = cpuMs();
    // /proc counts in hundredths of a second: within a few ticks of Node's own count.
    assert.ok(Math.abs(spentMs - nodeMs) <= 30, `${spentMs} ms from /proc, ${nodeMs} ms from process.cpuUsage()`);
  });

  it('tables have one line per row plus the header', () => {
    const rows = [row('a', 'SQLite 1M', [[100, 90]], { minRatio: 0.5 }), row('b', 'SQLite 100k', [[100, 10]])];
    assert.equal(textTable(rows).split('\n').length, 3);
    const markdown = markdownTable(rows).split('\n');
    assert.equal(markdown.length, 4);
    assert.match(markdown[2]!, /\| 0\.90× \|.*\| ≥ 0\.5× \| yes \|$/);
  });

  it('the SVG chart is well-formed XML with one bar per row and a mark per target', () => {
    const rows = [row('a', 'SQLite 1M', [[100, 90]], { minRatio: 0.6 }), row('b', 'SQLite', [[100, 10]]), row('c', 'PostgreSQL', [[100, 150]], { minRatio: 0.9 })];
    const svg = svgChart(rows, 'npm run bench & friends');
    assertWellFormed(svg);
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.equal(svg.match(/class="bar"/g)?.length, 3);
    assert.equal(svg.match(/class="target"/g)?.length, 2);
  });

  it('RSS by store size names each store of the scenario', () => {
    const rows = [row('verify-misses', 'SQLite 1M', [[1, 1]], {}, 180), row('verify-misses', 'SQLite 100k', [[1, 1]], {}, 170), row('x', 'SQLite', [[1, 1]])];
    assert.equal(rssByStore(rows, 'verify-misses'), '180 MB with SQLite 1M, 170 MB with SQLite 100k');
    assert.equal(rssByStore(rows, 'x'), undefined);
  });
});

describe('bench load plans', () => {
  it('each connection cycles its own slice, rotated by the offset, and the slices cover every body', () => {
    const bodies = Array.from({ length: 10 }, (_, i) => String(i));
    const slices = [0, 1, 2].map((i) => sliceFor(bodies, i, 3, 0));
    assert.deepEqual(slices, [['0', '1', '2', '3'], ['4', '5', '6', '7'], ['8', '9']]);
    assert.deepEqual(sliceFor(bodies, 0, 3, 5), ['1', '2', '3', '0']);
    assert.deepEqual(sliceFor(['x', 'y'], 3, 5, 0), ['y']);
    assert.deepEqual(sliceFor(bodies, 1, 3, 3, 2), ['7', '4']);
  });

  it('the flood holds no token that passes the checksum but the made-up well-formed ones', () => {
    const real = ['tsk_6rkaeDxwbSEKpyvlkG0x9FjU3EmWqq161qUe'];
    assert.ok(parseSecret(real[0]!));
    const flood = floodTokens(real, 500);
    flood.forEach((token, i) => assert.equal(parseSecret(token) !== undefined, i % 5 === 4, `${i}: ${token}`));
    assert.ok(!flood.includes(real[0]!));
  });
});
