/** What a run of `npm run bench` writes: every round's raw figures as JSON, and a Markdown page for people. */
import { cpus, loadavg, totalmem } from 'node:os';
import { chartLabel, markdownTable, rssByStore, summarize } from './report.js';
import type { SuiteOptions, SuiteResult } from './suite.js';

export interface RunRecord {
  command: string;
  started: Date;
  finished: Date;
  options: SuiteOptions;
  result: SuiteResult;
}

export function machine() {
  return {
    // Not availableParallelism(): that counts the cores this process may use, one once pinned.
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    /** Other work on the machine while the figures were taken: the 1, 5 and 15 minute load averages at the end. */
    loadAverage: loadavg().map((n) => Number(n.toFixed(2))),
  };
}

export function resultsJson(run: RunRecord): string {
  const { scenarios, postgresServer, ...options } = run.options;
  return (
    JSON.stringify(
      {
        command: run.command,
        started: run.started.toISOString(),
        finished: run.finished.toISOString(),
        machine: machine(),
        options: { ...options, scenarios: scenarios.map((s) => s.name), postgres: postgresServer !== undefined },
        seeding: run.result.seeding,
        skipped: run.result.skipped,
        rows: run.result.rows.map((row) => ({ ...row, summary: summarize(row) })),
      },
      null,
      2,
    ) + '\n'
  );
}

export function resultsMarkdown(run: RunRecord): string {
  const m = machine();
  const { rows, seeding, skipped } = run.result;
  const o = run.options;
  const minutes = ((run.finished.getTime() - run.started.getTime()) / 60_000).toFixed(1);
  const notes = rows.filter((r) => r.note).map((r) => `- **${chartLabel(r)}**: ${r.note}`);
  const rss = rssByStore(
    rows.filter((r) => r.store.startsWith('SQLite')),
    'verify-misses',
  );
  return [
    '# tessera load benchmark',
    '',
    `\`${run.command}\` — ${run.started.toISOString()}, ${minutes} min. ${m.cores} cores (${m.cpu}), ${m.memoryGb} GB, Node ${m.node}, ${m.platform}; ` +
      `load average at the end ${m.loadAverage.join(' / ')}.`,
    '',
    'tessera runs as `npm start` runs it (`--heap-growing-percent=50`, every setting at its default) unless the **settings** column names what a scenario sets; ' +
      "the first row is warm verification in that default configuration. **against** names the baseline of the row's ratio.",
    '',
    `Each row: ${o.rounds} rounds of ${o.roundSeconds} s against the baseline, then ${o.roundSeconds} s against tessera, alternating, ` +
      `after a ${o.warmupSeconds} s warm-up of each (not counted: V8 is still compiling tessera's hot path then); ${o.connections} connections; figures are medians of the rounds. ` +
      "**ratio** is the median of the rounds' tessera/baseline requests/s (each tessera round against the baseline round just before it), " +
      "**p99 ratio** the same for p99 latency; RSS is the tessera process's VmRSS after a round, the largest of the rounds; " +
      "**CPU µs/req** is the server's CPU time (user and system, from /proc) during a round over the requests it answered, for tessera and for the baseline: " +
      'what a request costs the server, whatever the load generator and the other core were doing.',
    '',
    markdownTable(rows),
    '',
    ...(rss ? [`RSS of tessera under the same cache-miss load, by store size: ${rss}.`, ''] : []),
    '![ratio to the baseline per scenario](results.svg)',
    '',
    '## What limits these figures',
    '',
    o.pinning
      ? `- ${m.cores} cores, shared with other work on the machine: ${o.pinning.description}; PostgreSQL, when it runs, is not pinned. ` +
        'The server has one core, as a single tessera process uses one for its requests; the load generator, on the other, is not slowed by the server it measures. ' +
        'The alternating rounds make drift hit both sides alike, so the ratios are steadier than the absolute requests/s, which do not carry over to other machines.'
      : `- ${m.cores} cores, shared: the server, the load generator (autocannon, in the benchmark's own process) and, for PostgreSQL, the database run on the same cores wherever the scheduler puts them, ` +
        'and other work on the machine adds noise. The alternating rounds make drift hit both sides alike, so the ratios are steadier than the absolute requests/s, which do not carry over to other machines.',
    '- **bare node:http** reads the body, runs `JSON.parse` and sends a fixed 29-byte answer: it does no work for the request, so a ratio to it says what tessera costs on top of receiving and parsing the request and sending an answer.',
    '- **miss floor** (issue 18) does the same, plus SHA-256 of the presented token, one prepared better-sqlite3 lookup by digest (`select * from tokens where digest = ?`) in the SQLite file seeded for tessera (opened read-only) and a JSON answer from the row: the least a verification that misses every cache costs. ' +
      "Its rounds come just before tessera's; the bare server's just before the floor's, for a second row from the same tessera rounds.",
    "- tessera's JSON log (stdout) goes to /dev/null: what producing it costs is measured, not what a terminal or a log collector would cost.",
    '- A scenario with settings of its own runs on a tessera process of its own, as does warm verification on the large store; the other scenarios of a store share one process, one after the other, so the RSS of a row includes what the rows before it left (caches, heap growth).',
    '- autocannon measures latency in whole milliseconds: a p99 ratio between small values moves in steps.',
    `- Seeding: ${seeding.map((s) => `${s.store} in ${s.seconds.toFixed(1)} s`).join(', ') || 'none'}.`,
    ...skipped.map((line) => `- Skipped: ${line}.`),
    ...(notes.length > 0 ? ['', '## Notes per row', '', ...notes] : []),
    '',
  ].join('\n');
}
