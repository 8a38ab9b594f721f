import { BUCKET_MS, bucketStart, GRANULARITIES } from '../../core/analytics.js';
import {
  countKey,
  MAX_ROW_CREDITS,
  ROLLS_INTO,
  visibleTo,
  type AnalyticsStore,
  type Series,
  type SeriesQuery,
  type VerificationCount,
} from '../analytics-store.js';

/** Verification counts in a Map: the fake the contract suite holds the SQL stores to. */
export class MemoryAnalyticsStore implements AnalyticsStore {
  #rows = new Map<string, VerificationCount>();

  async add(counts: readonly VerificationCount[]): Promise<void> {
    for (const count of counts) this.#add(count);
  }

  #add(count: VerificationCount): void {
    const key = countKey(count);
    const stored = this.#rows.get(key);
    if (!stored) this.#rows.set(key, { ...count, credits: capped(count.credits) });
    else {
      stored.count += count.count;
      stored.credits = capped(stored.credits + count.credits);
      stored.ownerUserId = count.ownerUserId;
      stored.teamId = count.teamId;
      stored.tokenType = count.tokenType;
    }
  }

  async rollUp(from: 'minute' | 'hour', before: number): Promise<number> {
    const into = ROLLS_INTO[from];
    let moved = 0;
    for (const [key, row] of [...this.#rows]) {
      if (row.granularity !== from || row.bucketStart >= before) continue;
      this.#rows.delete(key);
      this.#add({ ...row, granularity: into, bucketStart: bucketStart(row.bucketStart, into) });
      moved++;
    }
    return moved;
  }

  async deleteBefore(before: number): Promise<number> {
    let deleted = 0;
    for (const [key, row] of [...this.#rows]) {
      if (row.bucketStart < before) {
        this.#rows.delete(key);
        deleted++;
      }
    }
    return deleted;
  }

  async series(query: SeriesQuery): Promise<Series[]> {
    const finest = GRANULARITIES.indexOf(query.granularity);
    const byKey = new Map<string, { total: number; points: Map<number, { count: number; credits: bigint }> }>();
    for (const row of this.#rows.values()) {
      if (GRANULARITIES.indexOf(row.granularity) > finest) continue;
      if (row.bucketStart < query.from || row.bucketStart >= query.to) continue;
      if (query.tag !== undefined ? row.tag !== query.tag : query.groupBy === 'tag' ? row.tag === '' : row.tag !== '') continue;
      if (query.tokenIds !== undefined && (row.tokenId === null || !query.tokenIds.includes(row.tokenId))) continue;
      if (query.ownerUserId !== undefined && row.ownerUserId !== query.ownerUserId) continue;
      if (query.teamId !== undefined && row.teamId !== query.teamId) continue;
      if (query.outcomes !== undefined && !query.outcomes.includes(row.outcome)) continue;
      if (!visibleTo(query.visibility, row)) continue;
      const key = query.groupBy === 'outcome' ? row.outcome : query.groupBy === 'token' ? (row.tokenId ?? '') : row.tag;
      let series = byKey.get(key);
      if (!series) byKey.set(key, (series = { total: 0, points: new Map() }));
      series.total += row.count;
      const t = row.bucketStart - (row.bucketStart % BUCKET_MS[query.granularity]);
      const point = series.points.get(t);
      if (point) {
        point.count += row.count;
        point.credits += row.credits;
      } else series.points.set(t, { count: row.count, credits: row.credits });
    }
    return [...byKey]
      .map(([key, s]) => ({ key, total: s.total, points: [...s.points].sort(([a], [b]) => a - b).map(([t, p]) => ({ t, ...p })) }))
      .sort((a, b) => b.total - a.total || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .slice(0, query.limit);
  }
}

const capped = (credits: bigint) => (credits > MAX_ROW_CREDITS ? MAX_ROW_CREDITS : credits);
