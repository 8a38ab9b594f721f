import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RoundFigures } from './load.js';
import { cpuTimeMsOf, sliceFor } from './load.js';
import { chartLabel, inReportOrder, markdownTable, median, rssByStore, summarize, svgChart, textTable, type RowResult } from './report.js';
import { floodTokens, SCENARIOS } from './scenarios.js';
import { processGroups, tesseraEnv } from './suite.js';
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

const row = (
  scenario: string,
  store: string,
  pairs: Array<[number, number]>,
  targets: RowResult['targets'] = {},
  rssMb = 100,
  more: Partial<Pick<RowResult, 'item' | 'settings' | 'baseline'>> = {},
): RowResult => ({
  scenario,
  item: more.item ?? 1,
  title: `${scenario} <&> "title"`,
  store,
  settings: more.settings ?? 'default',
  baseline: more.baseline ?? 'bare',
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
    // Round ratios 0.9, 0.4 and 0.5: the median is 0.5, under 0.7; p99 12 ms against 10 ms each round.
    const summary = summarize(
      row(
        'verify-warm',
        'SQLite',
        [
          [10_000, 9_000],
          [20_000, 8_000],
          [10_000, 5_000],
        ],
        { minRatio: 0.7, maxP99Ratio: 1.5, maxRssMb: 250 },
      ),
    );
    assert.equal(summary.ratio, 0.5);
    assert.equal(summary.tessera.requestsPerSecond, 8_000);
    assert.equal(summary.p99Ratio, 1.2);
    assert.deepEqual(summary.verdicts, [
      { label: '≥ 0.7×', met: false },
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
    const rows = [
      row('a', 'SQLite 1M', [[100, 90]], { minRatio: 0.6 }),
      row('b', 'SQLite', [[100, 10]]),
      row('c', 'PostgreSQL', [[100, 150]], { minRatio: 0.9 }),
    ];
    const svg = svgChart(rows, 'npm run bench & friends');
    assertWellFormed(svg);
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.equal(svg.match(/class="bar"/g)?.length, 3);
    assert.equal(svg.match(/class="target"/g)?.length, 2);
  });

  it('RSS by store size names each store of the scenario once, whatever the baselines', () => {
    const rows = [
      row('verify-misses', 'SQLite 1M', [[1, 1]], {}, 180, { baseline: 'miss-floor' }),
      row('verify-misses', 'SQLite 1M', [[1, 1]], {}, 180),
      row('verify-misses', 'SQLite 100k', [[1, 1]], {}, 170, { baseline: 'miss-floor' }),
      row('verify-misses', 'SQLite 100k', [[1, 1]], {}, 170),
      row('x', 'SQLite', [[1, 1]]),
    ];
    assert.equal(rssByStore(rows, 'verify-misses'), '180 MB with SQLite 1M, 170 MB with SQLite 100k');
    assert.equal(rssByStore(rows, 'x'), undefined);
  });

  it('the default configuration heads its scenario, and the scenarios follow the issue', () => {
    // In the order a run makes them: the 1M store's rows, then the small store's, then PostgreSQL's.
    const ran = [
      row('verify-misses', 'SQLite 1M', [[1, 1]], {}, 100, { item: 2, settings: 'TESSERA_CACHE_TTL_MS=1000', baseline: 'miss-floor' }),
      row('verify-misses', 'SQLite 1M', [[1, 1]], {}, 100, { item: 2, settings: 'TESSERA_CACHE_TTL_MS=1000' }),
      row('verify-warm-log-warn', 'SQLite 1M', [[1, 1]], {}, 100, { item: 1, settings: 'LOG_LEVEL=warn' }),
      row('verify-warm', 'SQLite 1M', [[1, 1]], {}, 100, { item: 1 }),
      row('flood', 'SQLite 100k', [[1, 1]], {}, 100, { item: 3, settings: 'TESSERA_FAILED_ATTEMPTS_PER_MINUTE=0' }),
      row('charge', 'SQLite 100k', [[1, 1]], {}, 100, { item: 6 }),
      row('verify-warm', 'PostgreSQL 200k', [[1, 1]], {}, 100, { item: 1 }),
    ];
    assert.deepEqual(
      inReportOrder(ran).map((r) => `${r.scenario} ${r.store} ${r.baseline}`),
      [
        'verify-warm SQLite 1M bare',
        'verify-warm PostgreSQL 200k bare',
        'verify-warm-log-warn SQLite 1M bare',
        'verify-misses SQLite 1M miss-floor',
        'verify-misses SQLite 1M bare',
        'flood SQLite 100k bare',
        'charge SQLite 100k bare',
      ],
    );
  });

  it('each row names its settings and its baseline, in the tables and the chart', () => {
    // Against the floor: round ratios 17,000/20,000 = 0.85, 17,600/22,000 = 0.8, 16,200/18,000 = 0.9; the median 0.85.
    const misses = row(
      'verify-misses',
      'SQLite 1M',
      [
        [20_000, 17_000],
        [22_000, 17_600],
        [18_000, 16_200],
      ],
      { minRatio: 0.8, maxRssMb: 250 },
      240,
      {
        settings: 'TESSERA_CACHE_TTL_MS=1000',
        baseline: 'miss-floor',
      },
    );
    const warm = row('verify-warm', 'SQLite 1M', [[60_000, 45_000]], { minRatio: 0.7 });
    const [header, , first, second] = markdownTable([warm, misses]).split('\n');
    const cells = (text: string) => text.split('|').map((cell) => cell.trim());
    const at = (name: string) => cells(header!).indexOf(name);
    assert.equal(cells(first!)[at('settings')], 'default');
    assert.equal(cells(first!)[at('against')], 'bare node:http');
    assert.equal(cells(first!)[at('ratio')], '0.75×');
    assert.equal(cells(first!)[at('met?')], 'yes');
    assert.equal(cells(second!)[at('settings')], 'TESSERA_CACHE_TTL_MS=1000');
    assert.equal(cells(second!)[at('against')], 'miss floor');
    assert.equal(cells(second!)[at('ratio')], '0.85×');
    assert.equal(cells(second!)[at('target')], '≥ 0.8×, RSS < 250 MB');
    assert.equal(cells(second!)[at('met?')], 'yes, yes');
    assert.match(textTable([warm, misses]).split('\n')[2]!, /TESSERA_CACHE_TTL_MS=1000 +miss floor /);
    assert.equal(chartLabel(warm), 'verify-warm <&> "title" · SQLite 1M · vs bare node:http');
    assert.equal(chartLabel(misses), 'verify-misses <&> "title" · SQLite 1M · TESSERA_CACHE_TTL_MS=1000 · vs miss floor');
    assert.match(svgChart([warm, misses], 'run'), /vs miss floor/);
  });
});

describe('bench suite', () => {
  it("the issue's targets, each against its baseline", () => {
    const scenario = (name: string) => SCENARIOS.find((s) => s.name === name)!;
    assert.deepEqual(scenario('verify-warm').targets('sqlite-large'), { minRatio: 0.7, maxP99Ratio: 1.5 });
    assert.equal(scenario('verify-warm').env, undefined);
    // The analytics rows: the default (analytics on) against the same load with it off, and with tags under the verify targets.
    assert.deepEqual(scenario('verify-warm-analytics-off').env, { TESSERA_ANALYTICS: 'off' });
    assert.equal(scenario('verify-warm-tags').env, undefined);
    assert.deepEqual(scenario('verify-warm-tags').targets('sqlite-large'), { minRatio: 0.7, maxP99Ratio: 1.5 });
    assert.deepEqual(scenario('verify-misses').targets('sqlite-large'), { minRatio: 0.8, maxRssMb: 250 });
    assert.deepEqual(scenario('verify-misses').baselines?.('sqlite-large'), ['miss-floor', 'bare']);
    assert.deepEqual(scenario('verify-misses').baselines?.('postgres'), ['bare']);
    assert.deepEqual(scenario('flood').targets('sqlite-small'), { minRatio: 0.8 });
    assert.deepEqual(scenario('charge').targets('sqlite-small'), { minRatio: 0.5 });
  });

  it('tessera gets none of the settings of this shell: every variable it reads is removed but the admin token', () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, {
        LOG_LEVEL: 'warn',
        TESSERA_FAILED_ATTEMPTS_PER_MINUTE: '0',
        TESSERA_CACHE_TTL_MS: '5',
        REDIS_URL: 'redis://x',
        PATH_LIKE: 'kept',
      });
      const env = tesseraEnv('tsr_admin');
      for (const name of ['LOG_LEVEL', 'TESSERA_FAILED_ATTEMPTS_PER_MINUTE', 'TESSERA_CACHE_TTL_MS', 'REDIS_URL', 'DATABASE_URL']) {
        assert.ok(name in env && env[name] === undefined, name);
      }
      assert.equal(env.TESSERA_BOOTSTRAP_TOKEN, 'tsr_admin');
      assert.ok(!('PATH_LIKE' in env));
      assert.equal(tesseraEnv('tsr_admin', 'postgres://db').DATABASE_URL, 'postgres://db');
    } finally {
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
      Object.assign(process.env, saved);
    }
  });

  it('a scenario with settings of its own runs alone; the others share one process, in the order given', () => {
    const groups = processGroups(SCENARIOS.filter((s) => s.stores.includes('sqlite-small'))).map((g) => g.map((s) => s.name));
    assert.deepEqual(groups, [['verify-misses'], ['flood'], ['batch', 'charge', 'unleash-validate', 'edge-config-read', 'create']]);
    const large = processGroups(SCENARIOS.filter((s) => s.stores.includes('sqlite-large'))).map((g) => g.map((s) => s.name));
    assert.deepEqual(large, [['verify-misses'], ['verify-warm', 'forward-auth', 'verify-warm-tags'], ['verify-warm-log-warn'], ['verify-warm-analytics-off']]);
  });
});

describe('bench load plans', () => {
  it('each connection cycles its own slice, rotated by the offset, and the slices cover every body', () => {
    const bodies = Array.from({ length: 10 }, (_, i) => String(i));
    const slices = [0, 1, 2].map((i) => sliceFor(bodies, i, 3, 0));
    assert.deepEqual(slices, [
      ['0', '1', '2', '3'],
      ['4', '5', '6', '7'],
      ['8', '9'],
    ]);
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
