/** Whether a database URL names PostgreSQL (else the store is SQLite); apart from open-stores so config code can ask without loading the drivers. */
export function isPostgresUrl(url: string | undefined): url is string {
  return url !== undefined && /^postgres(ql)?:\/\//.test(url);
}
