/**
 * What a failure to start means, in words that say what to do: the raw `EADDRINUSE` or
 * `ECONNREFUSED` of Node and pg name neither the setting nor the remedy. Anything else is
 * passed on as it is.
 */
export function explainStartupError(error: unknown): string {
  if (error instanceof FailedAfterBootstrap) return `${explainStartupError(error.cause)}\n\n${error.notice}`;
  const e = error as { code?: string; address?: string; port?: number; hostname?: string; message?: string } | undefined;
  const message = error instanceof Error ? error.message : String(error);
  switch (e?.code) {
    case 'EADDRINUSE':
      return `port ${e.port} on ${e.address} is taken by another process: stop that process, or choose another port with --port <n> (or PORT=<n>)`;
    case 'EACCES':
      if (e.port !== undefined) return `port ${e.port} on ${e.address} may not be opened by this user: choose a port above 1023 with --port <n> (or PORT=<n>)`;
      return message;
    case 'ECONNREFUSED':
      return `PostgreSQL at ${e.address}:${e.port} (DATABASE_URL) refused the connection: is it running and listening on that address and port?`;
    case 'ENOTFOUND':
      return `the host ${e.hostname} of DATABASE_URL was not found: check its spelling, or the DNS of this machine`;
    case '3D000':
      return `${message} (DATABASE_URL): create it first, e.g. \`createdb <name>\` or \`psql -c 'create database <name>'\`, then start tessera again`;
    case '28P01':
    case '28000':
      return `${message} (DATABASE_URL): check the user and password in it`;
    default:
      return message;
  }
}

/**
 * A start that failed after its bootstrap created the admin: the cause, and the notice that
 * shows the new admin token (see failedFirstStartNotice), which would otherwise be lost.
 */
export class FailedAfterBootstrap extends Error {
  constructor(
    override readonly cause: unknown,
    readonly notice: string,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'FailedAfterBootstrap';
  }
}
