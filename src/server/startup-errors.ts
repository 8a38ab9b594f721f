/** The database URL a command used, and how the setting it came from is named (`DATABASE_URL`, `--database-url`, `tessera.json: databaseUrl`). */
export interface DatabaseSetting {
  url: string | undefined;
  setting: string;
}

/** Node's codes for a host or network that does not answer, or a connection cut before PostgreSQL did: not a refusal. */
const UNANSWERED_CODES = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET']);

/**
 * pg's words for a connection that ended before PostgreSQL said anything: something else holds
 * the port, a firewall or proxy drops it, or the connect timeout (the client's, the pool's) ran out.
 * They carry no code and no address, so the host and port come from the URL.
 */
const UNANSWERED_MESSAGES = [
  'Connection terminated unexpectedly',
  'timeout expired',
  'Connection terminated due to connection timeout',
  'timeout exceeded when trying to connect',
];

/**
 * What a failure to start means, in words that say what to do: the raw `EADDRINUSE` or
 * `ECONNREFUSED` of Node and pg name neither the setting nor the remedy. `database` names the
 * URL's setting as it was given (DATABASE_URL when not known). Anything else is passed on as it is.
 */
export function explainStartupError(error: unknown, database: DatabaseSetting = { url: undefined, setting: 'DATABASE_URL' }): string {
  if (error instanceof FailedAfterBootstrap) return `${explainStartupError(error.cause, database)}\n\n${error.notice}`;
  const e = error as { code?: string; address?: string; port?: number; hostname?: string; message?: string } | undefined;
  const message = error instanceof Error ? error.message : String(error);
  const setting = database.setting;
  const where = () => {
    const url = hostAndPort(database.url);
    const host = e?.address ?? url?.host;
    const port = e?.port ?? url?.port;
    return host === undefined ? 'PostgreSQL' : `PostgreSQL at ${host}:${port ?? 5432}`;
  };
  if (UNANSWERED_MESSAGES.includes(message) || (e?.code !== undefined && UNANSWERED_CODES.has(e.code))) {
    return `${where()} (${setting}) did not answer (${message}): check the host and port in it, that the server is up, and that no firewall stands between`;
  }
  switch (e?.code) {
    case 'EADDRINUSE':
      return `port ${e.port} on ${e.address} is taken by another process: stop that process, or choose another port with --port <n> (or PORT=<n>)`;
    case 'EACCES':
      if (e.port !== undefined) return `port ${e.port} on ${e.address} may not be opened by this user: choose a port above 1023 with --port <n> (or PORT=<n>)`;
      return message;
    case 'ECONNREFUSED':
      return `${where()} (${setting}) refused the connection: is it running and listening on that address and port?`;
    case 'ENOTFOUND':
      return `the host ${e.hostname} of ${setting} was not found: check its spelling, or the DNS of this machine`;
    case '3D000':
      return `${message} (${setting}): create it first, e.g. \`${createdb(message, database.url)}\`, then start tessera again`;
    case '28P01':
    case '28000':
      return `${message} (${setting}): check the user and password in it`;
    default:
      return message;
  }
}

/** The host and port a postgres:// URL names (pg's defaults where it names none); undefined for no URL or one that does not parse. */
function hostAndPort(url: string | undefined): { host: string; port: number } | undefined {
  const parsed = parseUrl(url);
  return parsed && { host: decodeURIComponent(parsed.hostname) || 'localhost', port: parsed.port === '' ? 5432 : Number(parsed.port) };
}

function parseUrl(url: string | undefined): URL | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/**
 * The createdb command for the database PostgreSQL says is missing, on the server and as the user
 * the URL names: run as it is from another machine, it makes the database tessera looks for.
 */
function createdb(message: string, url: string | undefined): string {
  const parsed = parseUrl(url);
  const name = /^database "(.*)" does not exist$/.exec(message)?.[1] ?? (parsed && decodeURIComponent(parsed.pathname.slice(1)));
  const words = ['createdb'];
  const server = hostAndPort(url);
  // createdb takes an IPv6 address without the URL's brackets.
  if (server && parsed?.hostname) words.push('-h', server.host.replace(/^\[(.*)\]$/, '$1'), '-p', String(server.port));
  if (parsed?.username) words.push('-U', decodeURIComponent(parsed.username));
  if (name) words.push(name);
  return `${words.map(shellWord).join(' ')}${name ? '' : ' <name>'}`;
}

function shellWord(word: string): string {
  return /^[\w.:/@=-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
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
