import type { Command } from 'commander';
import { apiRequest, type ApiClientOptions } from './api-client.js';

/** The flags every command that talks to a server takes. */
export interface ClientFlags {
  url?: string;
  token?: string;
  json?: boolean;
}

/** A page of a cursor listing, as every native list route answers it. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** A repeatable option's values, in the order given. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Adds --url, --token and --json to a command that talks to a server. */
export function clientCommand(command: Command): Command {
  return command
    .option('--url <url>', 'tessera server (env TESSERA_URL, default http://127.0.0.1:8420)')
    .option('--token <token>', 'a personal token (env TESSERA_TOKEN)')
    .option('--json', 'print the JSON response');
}

/** The server and credential a command uses; without a token (where one is needed) it says how to give one. */
export function connection(flags: ClientFlags, needsToken = true): ApiClientOptions {
  const token = flags.token ?? process.env.TESSERA_TOKEN;
  if (needsToken && !token) {
    throw new Error('no token: set TESSERA_TOKEN (or pass --token) to a personal token, e.g. the one printed at first start');
  }
  return { url: flags.url ?? process.env.TESSERA_URL ?? 'http://127.0.0.1:8420', token };
}

/** Prints the server's JSON with --json, else the text for people. */
export function print(flags: ClientFlags, json: unknown, human: () => string): void {
  console.log(flags.json ? JSON.stringify(json, null, 2) : human());
}

/** `teamId=…` for a `team_…` id, else `slug=…`; empty without a team. */
export function teamQuery(team: string | undefined): string {
  if (!team) return '';
  return team.startsWith('team_') ? `teamId=${encodeURIComponent(team)}` : `slug=${encodeURIComponent(team)}`;
}

/** A path with its query string, leaving out empty parts. */
export function withQuery(path: string, ...parts: Array<string | URLSearchParams>): string {
  const query = parts.map(String).filter(Boolean).join('&');
  return query ? `${path}?${query}` : path;
}

/** An id as one path segment. */
export const seg = (id: string): string => encodeURIComponent(id);

/** What a listing command fetched: its items, and whether the server had more than it fetched. */
export interface Listing<T> {
  items: T[];
  more: boolean;
}

/** The items of a listing: the first page, or with `all` every page. */
export async function listItems<T>(api: ApiClientOptions, path: string, params: URLSearchParams, all: boolean, extra = ''): Promise<Listing<T>> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    if (cursor) params.set('cursor', cursor);
    const page: Page<T> = await apiRequest(api, 'GET', withQuery(path, params, extra));
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (all && cursor);
  return { items, more: cursor !== null };
}

/**
 * Prints a listing: with --json the array of its items (never the page object), else the text
 * for people. When the listing was cut at a page, a line on stderr says so, leaving stdout as it
 * would be for the whole list (a script parsing the array or the table is not thrown off).
 */
export function printListing<T>(flags: ClientFlags, listing: Listing<T>, human: () => string): void {
  print(flags, listing.items, human);
  if (listing.more) console.error(`more…: ${listing.items.length} shown; --every-page for the rest`);
}

/** A flag's JSON object, or an error naming the flag. */
export function parseJsonObject(text: string, flag: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${flag} must be a JSON object`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${flag} must be a JSON object`);
  return value as Record<string, unknown>;
}

/** A whole number within bounds, or an error naming the flag. */
export function parseInteger(text: string, flag: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^-?\d+$/.test(text.trim())) throw new Error(`${flag} must be a whole number, got "${text}"`);
  const n = Number(text);
  if (n < min || n > max) throw new Error(`${flag} must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** One of a list of words, or an error naming the flag and the words. */
export function oneOf<T extends string>(text: string, flag: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(text)) throw new Error(`${flag} must be one of ${choices.join(', ')}, got "${text}"`);
  return text as T;
}

/** A list of words for a table cell: comma-separated, '-' when empty. */
export const listCell = (items: readonly string[]): string => (items.length ? items.join(',') : '-');
