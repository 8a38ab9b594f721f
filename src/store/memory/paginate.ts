import type { Page, PageQuery } from '../page.js';

/** Keyset pagination over items with ids that sort by creation time: newest first. */
export function paginate<T extends { id: string }>(items: Iterable<T>, query: PageQuery): Page<T> {
  const sorted = [...items].filter((item) => query.cursor === undefined || item.id < query.cursor).sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const page = sorted.slice(0, query.limit);
  const hasMore = sorted.length > query.limit;
  return { items: page, nextCursor: hasMore ? page[page.length - 1]!.id : null };
}
