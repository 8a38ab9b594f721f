import assert from 'node:assert/strict';
import { it } from 'node:test';
import { BUCKET_MS } from '../../src/core/analytics.js';
import type { VerifyCode } from '../../src/core/verify.js';
import { MAX_ROW_CREDITS, type SeriesQuery, type VerificationCount } from '../../src/store/analytics-store.js';
import { describeEachStore } from '../support/store-factories.js';

const MIN = BUCKET_MS.minute;
const HOUR = BUCKET_MS.hour;
const DAY = BUCKET_MS.day;
/** A day boundary well past any real clock's rows, so suites sharing nothing still never meet. */
const T0 = 1_900_000_000_000 - (1_900_000_000_000 % DAY);

function count(more: Partial<VerificationCount> & { bucketStart: number }): VerificationCount {
  return {
    granularity: 'minute',
    tokenId: 'tok_a',
    outcome: 'VALID',
    tag: '',
    ownerUserId: 'usr_a',
    teamId: null,
    tokenType: 'api',
    count: 1,
    credits: 0n,
    ...more,
  };
}

const everything = (more: Partial<SeriesQuery> = {}): SeriesQuery => ({
  from: 0,
  to: 4_000_000_000_000,
  granularity: 'day',
  groupBy: 'outcome',
  visibility: { kind: 'all' },
  limit: 50,
  ...more,
});

await describeEachStore('AnalyticsStore contract', (stores) => {
  it('adds counts and credits into what is stored, per key', async () => {
    const at = T0 + 5 * MIN;
    await stores.analytics.add([count({ bucketStart: at, count: 3, credits: 1_500_000_000n }), count({ bucketStart: at, outcome: 'EXPIRED', count: 2 })]);
    await stores.analytics.add([count({ bucketStart: at, count: 4, credits: 250_000_000n })]);
    const series = await stores.analytics.series(everything({ from: T0, to: T0 + HOUR, granularity: 'minute' }));
    assert.deepEqual(series, [
      { key: 'VALID', total: 7, points: [{ t: at, count: 7, credits: 1_750_000_000n }] },
      { key: 'EXPIRED', total: 2, points: [{ t: at, count: 2, credits: 0n }] },
    ]);
  });

  it('stops the credits of a row at the largest a 64-bit column holds rather than refuse the batch', async () => {
    const at = T0 + 30 * MIN;
    await stores.analytics.add([count({ bucketStart: at, tokenId: 'tok_rich', credits: MAX_ROW_CREDITS - 5n })]);
    await stores.analytics.add([count({ bucketStart: at, tokenId: 'tok_rich', credits: 10n })]);
    await stores.analytics.add([count({ bucketStart: at + MIN, tokenId: 'tok_rich', credits: MAX_ROW_CREDITS + 10n })]);
    const [series] = await stores.analytics.series(everything({ from: at, to: at + 2 * MIN, granularity: 'minute', tokenIds: ['tok_rich'] }));
    assert.deepEqual(series, {
      key: 'VALID',
      total: 3,
      points: [
        { t: at, count: 2, credits: MAX_ROW_CREDITS },
        { t: at + MIN, count: 1, credits: MAX_ROW_CREDITS },
      ],
    });
  });

  it('adds up exactly when many writers flush overlapping batches at once', async () => {
    const base = T0 + DAY;
    const outcomes: VerifyCode[] = ['VALID', 'NOT_FOUND', 'REVOKED', 'RATE_LIMITED'];
    const batch = (writer: number) =>
      outcomes.flatMap((outcome, o) =>
        [0, 1, 2].map((m) =>
          count({ bucketStart: base + m * MIN, outcome, tokenId: outcome === 'NOT_FOUND' ? null : `tok_${m}`, count: writer + o + 1, credits: BigInt(writer) }),
        ),
      );
    const writers = [1, 2, 3, 4, 5, 6, 7, 8];
    await Promise.all(writers.map((w) => stores.analytics.add(batch(w))));
    const series = await stores.analytics.series(everything({ from: base, to: base + HOUR, granularity: 'hour' }));
    for (const [o, outcome] of outcomes.entries()) {
      const expected = writers.reduce((sum, w) => sum + 3 * (w + o + 1), 0);
      const found = series.find((s) => s.key === outcome);
      assert.equal(found?.total, expected, outcome);
      assert.deepEqual(found?.points, [{ t: base, count: expected, credits: BigInt(3 * writers.reduce((a, b) => a + b, 0)) }]);
    }
  });

  it('keeps tag rows apart from the totals: totals read the untagged rows, groupBy tag the tagged ones', async () => {
    const at = T0 + 2 * DAY;
    await stores.analytics.add([
      count({ bucketStart: at, count: 5 }),
      count({ bucketStart: at, tag: 'plan:pro', count: 3 }),
      count({ bucketStart: at, tag: 'route:/a', count: 5 }),
    ]);
    const window = { from: at, to: at + MIN, granularity: 'minute' as const };
    assert.deepEqual(
      (await stores.analytics.series(everything(window))).map((s) => [s.key, s.total]),
      [['VALID', 5]],
    );
    assert.deepEqual(
      (await stores.analytics.series(everything({ ...window, groupBy: 'tag' }))).map((s) => [s.key, s.total]),
      [
        ['route:/a', 5],
        ['plan:pro', 3],
      ],
    );
    assert.deepEqual(
      (await stores.analytics.series(everything({ ...window, tag: 'plan:pro' }))).map((s) => [s.key, s.total]),
      [['VALID', 3]],
    );
  });

  it('sums finer rows into a coarser bucket, filters, orders by total and keeps the busiest', async () => {
    const day = T0 + 3 * DAY;
    await stores.analytics.add([
      count({ bucketStart: day + 1 * MIN, tokenId: 'tok_x', count: 2 }),
      count({ bucketStart: day + 61 * MIN, tokenId: 'tok_x', count: 2 }),
      count({ bucketStart: day + 2 * HOUR, granularity: 'hour', tokenId: 'tok_y', count: 9, teamId: 'team_1' }),
      count({ bucketStart: day + 3 * MIN, tokenId: 'tok_z', count: 1, outcome: 'EXPIRED' }),
    ]);
    const window = { from: day, to: day + DAY };
    const byToken = await stores.analytics.series(everything({ ...window, granularity: 'hour', groupBy: 'token' }));
    assert.deepEqual(byToken, [
      { key: 'tok_y', total: 9, points: [{ t: day + 2 * HOUR, count: 9, credits: 0n }] },
      {
        key: 'tok_x',
        total: 4,
        points: [
          { t: day, count: 2, credits: 0n },
          { t: day + HOUR, count: 2, credits: 0n },
        ],
      },
      { key: 'tok_z', total: 1, points: [{ t: day, count: 1, credits: 0n }] },
    ]);
    assert.deepEqual(
      (await stores.analytics.series(everything({ ...window, groupBy: 'token', limit: 2 }))).map((s) => s.key),
      ['tok_y', 'tok_x'],
    );
    assert.deepEqual(
      (await stores.analytics.series(everything({ ...window, groupBy: 'token', teamId: 'team_1' }))).map((s) => s.key),
      ['tok_y'],
    );
    assert.deepEqual(
      (await stores.analytics.series(everything({ ...window, groupBy: 'token', outcomes: ['EXPIRED'] }))).map((s) => s.key),
      ['tok_z'],
    );
    assert.deepEqual(
      (await stores.analytics.series(everything({ ...window, groupBy: 'token', tokenIds: ['tok_x'], granularity: 'day' }))).map((s) => [s.key, s.points]),
      [['tok_x', [{ t: day, count: 4, credits: 0n }]]],
    );
    assert.deepEqual(
      (await stores.analytics.series(everything({ ...window, groupBy: 'token', tokenIds: ['tok_z', 'tok_x', 'tok_unknown'] }))).map((s) => s.key),
      ['tok_x', 'tok_z'],
    );
    // A minute query does not see hour rows as minutes it lacks: they are at their hour's start.
    assert.deepEqual(
      (await stores.analytics.series(everything({ ...window, granularity: 'minute', groupBy: 'token', tokenIds: ['tok_y'] }))).map((s) => s.key),
      [],
    );
  });

  it('shows a caller the rows of the tokens they may read, and rows of no token to admins only', async () => {
    const at = T0 + 4 * DAY;
    await stores.analytics.add([
      count({ bucketStart: at, tokenId: 'own', ownerUserId: 'me', teamId: null, tokenType: 'personal' }),
      count({ bucketStart: at, tokenId: 'other', ownerUserId: 'them', teamId: null, tokenType: 'api' }),
      count({ bucketStart: at, tokenId: 'teamApi', ownerUserId: 'them', teamId: 'team_t', tokenType: 'api' }),
      count({ bucketStart: at, tokenId: 'teammatePersonal', ownerUserId: 'them', teamId: 'team_t', tokenType: 'personal' }),
      count({ bucketStart: at, tokenId: 'myPersonalInTeam', ownerUserId: 'me', teamId: 'team_t', tokenType: 'personal' }),
      count({ bucketStart: at, tokenId: 'otherTeam', ownerUserId: 'them', teamId: 'team_o', tokenType: 'api' }),
      count({ bucketStart: at, tokenId: null, ownerUserId: null, teamId: null, tokenType: null, outcome: 'NOT_FOUND' }),
    ]);
    const keys = async (visibility: SeriesQuery['visibility']) =>
      (await stores.analytics.series(everything({ from: at, to: at + MIN, granularity: 'minute', groupBy: 'token', visibility }))).map((s) => s.key).sort();
    assert.deepEqual(await keys({ kind: 'all' }), ['', 'myPersonalInTeam', 'other', 'otherTeam', 'own', 'teamApi', 'teammatePersonal']);
    assert.deepEqual(await keys({ kind: 'some', userId: 'me', ownOutsideTeams: true, teams: [{ teamId: 'team_t', allPersonal: false }] }), [
      'myPersonalInTeam',
      'own',
      'teamApi',
    ]);
    assert.deepEqual(await keys({ kind: 'some', userId: 'me', ownOutsideTeams: false, teams: [{ teamId: 'team_t', allPersonal: true }] }), [
      'myPersonalInTeam',
      'teamApi',
      'teammatePersonal',
    ]);
    assert.deepEqual(await keys({ kind: 'some', userId: 'me', ownOutsideTeams: false, teams: [] }), []);
  });

  it('rolls minutes into hours and hours into days, moving every count once, also with two sweeps at once', async () => {
    const day = T0 + 10 * DAY;
    // The earlier tests' rows, all before `day`, moved first, so the counts below are this test's alone.
    await stores.analytics.rollUp('minute', day);
    await stores.analytics.rollUp('hour', day);
    const rows: VerificationCount[] = [];
    for (let m = 0; m < 180; m += 7) {
      rows.push(count({ bucketStart: day + m * MIN, count: m + 1, credits: BigInt(m) }));
      rows.push(count({ bucketStart: day + m * MIN, tag: 'plan:pro', count: 1 }));
    }
    // One hour row is there already: the minutes of its hour add to it.
    rows.push(count({ bucketStart: day + HOUR, granularity: 'hour', count: 1000 }));
    await stores.analytics.add(rows);
    const total = rows.filter((r) => r.tag === '').reduce((sum, r) => sum + r.count, 0);
    const credits = rows.reduce((sum, r) => sum + r.credits, 0n);
    const read = async (granularity: 'minute' | 'hour' | 'day') => {
      const [s] = await stores.analytics.series(everything({ from: day, to: day + DAY, granularity }));
      return s;
    };
    const perHourBefore = (await read('hour'))!.points;

    // Two nodes sweep the same minutes at the same moment: every row is moved by one of them.
    const moved = await Promise.all([stores.analytics.rollUp('minute', day + 2 * HOUR), stores.analytics.rollUp('minute', day + 2 * HOUR)]);
    const minuteRowsBefore = rows.filter((r) => r.granularity === 'minute' && r.bucketStart < day + 2 * HOUR).length;
    assert.equal(moved[0] + moved[1], minuteRowsBefore);
    assert.deepEqual((await read('hour'))!.points, perHourBefore, 'the same counts per hour');
    assert.equal((await read('hour'))!.total, total);
    // Read by the minute, the first two hours are gone: they are hour rows now, which a minute query does not split.
    assert.deepEqual(
      (await read('minute'))!.points.map((p) => p.t),
      rows.filter((r) => r.tag === '' && r.granularity === 'minute' && r.bucketStart >= day + 2 * HOUR).map((r) => r.bucketStart),
    );
    assert.deepEqual(await stores.analytics.rollUp('minute', day + 2 * HOUR), 0, 'nothing left to move');

    await stores.analytics.rollUp('minute', day + DAY);
    await Promise.all([stores.analytics.rollUp('hour', day + DAY), stores.analytics.rollUp('hour', day + DAY)]);
    const daily = await read('day');
    assert.deepEqual(daily, { key: 'VALID', total, points: [{ t: day, count: total, credits }] });
    assert.equal(await read('minute'), undefined, 'no minute rows left');
    assert.equal(await read('hour'), undefined, 'no hour rows left');
    const tagged = await stores.analytics.series(everything({ from: day, to: day + DAY, groupBy: 'tag' }));
    assert.deepEqual(tagged, [
      { key: 'plan:pro', total: rows.filter((r) => r.tag !== '').length, points: [{ t: day, count: rows.filter((r) => r.tag !== '').length, credits: 0n }] },
    ]);
  });

  it('deletes rows older than the retention, of every granularity', async () => {
    const day = T0 + 20 * DAY;
    await stores.analytics.add([
      count({ bucketStart: day - DAY, granularity: 'day', count: 5 }),
      count({ bucketStart: day - HOUR, granularity: 'hour', count: 6 }),
      count({ bucketStart: day - MIN, count: 7 }),
      count({ bucketStart: day, count: 8 }),
    ]);
    // The earlier tests' rows are all before `day` too.
    assert.ok((await stores.analytics.deleteBefore(day)) >= 3);
    assert.deepEqual(await stores.analytics.series(everything({ from: 0, to: day })), []);
    const left = await stores.analytics.series(everything({ from: 0, to: day + DAY }));
    assert.deepEqual(left, [{ key: 'VALID', total: 8, points: [{ t: day, count: 8, credits: 0n }] }]);
    assert.equal(await stores.analytics.deleteBefore(day), 0);
  });
});
