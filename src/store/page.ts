/** One page of a keyset-paginated listing, newest first; `nextCursor` is null on the last page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageQuery {
  limit: number;
  /** The id of the last item of the previous page. */
  cursor?: string;
}
