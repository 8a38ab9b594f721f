import { SCOPE_PATTERN } from './scopes.js';
import { isStorableTime, LATEST_TIME_MS } from './token-input.js';

/**
 * Readers of one field of an imported row, from JSON (typed values) or CSV (all text, '' for
 * nothing). Each answers the value, or throws FieldProblem naming the field and what is wrong.
 */
export class FieldProblem extends Error {}

export type Row = Readonly<Record<string, unknown>>;

function absent(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/** The first of `names` the row has a value for, and that name. */
export function pick(row: Row, ...names: string[]): [string, unknown] {
  for (const name of names) if (!absent(row[name])) return [name, row[name]];
  return [names[0] ?? '', undefined];
}

export function optionalText(row: Row, ...names: string[]): string | null {
  const [name, value] = pick(row, ...names);
  if (value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') throw new FieldProblem(`${name} must be text`);
  if (value.length > 1024) throw new FieldProblem(`${name} is longer than 1024 characters`);
  return value;
}

/** Milliseconds since the epoch from a number (ms), or a date-time text (ISO 8601, or PostgreSQL's `2026-01-01 10:00:00+00`). */
export function optionalTime(row: Row, ...names: string[]): number | null {
  const [name, value] = pick(row, ...names);
  if (value === undefined) return null;
  let ms: number;
  if (typeof value === 'number') ms = value;
  else if (typeof value === 'string' && /^\d+$/.test(value)) ms = Number(value);
  else if (typeof value === 'string') ms = Date.parse(value.replace(/^(\d{4}-\d\d-\d\d) /, '$1T').replace(/([+-]\d\d)$/, '$1:00'));
  else throw new FieldProblem(`${name} must be a time`);
  if (!isStorableTime(ms)) throw new FieldProblem(`${name} is not a time (milliseconds from 0 to ${LATEST_TIME_MS}, or an ISO 8601 date-time)`);
  return ms;
}

/** A list from a JSON array, or from text: a JSON array, a PostgreSQL array (`{a,b}`, as psql prints array_agg), else words split by spaces or commas. */
export function textList(row: Row, ...names: string[]): string[] {
  const [name, value] = pick(row, ...names);
  if (value === undefined) return [];
  let list: unknown = value;
  if (typeof value === 'string') {
    if (value.trimStart().startsWith('[')) {
      try {
        list = JSON.parse(value);
      } catch {
        throw new FieldProblem(`${name} is not a JSON array`);
      }
    } else {
      const words = /^\{(.*)\}$/s.exec(value.trim())?.[1] ?? value;
      list = words
        .split(/[\s,]+/)
        .map((word) => word.replace(/^"(.*)"$/, '$1'))
        .filter((word) => word !== '');
    }
  }
  if (!Array.isArray(list) || !list.every((item) => typeof item === 'string')) throw new FieldProblem(`${name} must be a list of text`);
  return list as string[];
}

const SCOPE = new RegExp(SCOPE_PATTERN);

export function scopeList(row: Row, ...names: string[]): string[] {
  const scopes = textList(row, ...names);
  const bad = scopes.findIndex((scope) => !SCOPE.test(scope));
  if (bad >= 0) throw new FieldProblem(`${names[0]}.${bad} is not a scope (${SCOPE_PATTERN})`);
  return scopes;
}

/** A JSON object, or its text (Unkey's `meta` column is JSON text). */
export function optionalObject(row: Row, ...names: string[]): Record<string, unknown> | null {
  const [name, value] = pick(row, ...names);
  if (value === undefined) return null;
  let object: unknown = value;
  if (typeof value === 'string') {
    try {
      object = JSON.parse(value);
    } catch {
      throw new FieldProblem(`${name} is not JSON`);
    }
  }
  if (typeof object !== 'object' || object === null || Array.isArray(object)) throw new FieldProblem(`${name} must be a JSON object`);
  return object as Record<string, unknown>;
}

export function optionalCount(row: Row, ...names: string[]): number | null {
  const [name, value] = pick(row, ...names);
  if (value === undefined) return null;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new FieldProblem(`${name} must be a whole number from 0`);
  return n;
}

export function optionalFlag(row: Row, ...names: string[]): boolean | null {
  const [name, value] = pick(row, ...names);
  if (value === undefined) return null;
  if (value === true || value === 'true' || value === 't' || value === 1 || value === '1') return true;
  if (value === false || value === 'false' || value === 'f' || value === 0 || value === '0') return false;
  throw new FieldProblem(`${name} must be true or false`);
}

/**
 * A SHA-256 digest given as 64 hex digits or as base64/base64url (43 characters, or 44 with `=`).
 * Anything else is refused: a digest of another length or hash can never match a key's text.
 */
export function parseDigest(name: string, text: string): Buffer {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) {
    const digest = Buffer.from(text.replace(/=$/, '').replace(/\+/g, '-').replace(/\//g, '_'), 'base64url');
    if (digest.length === 32 && digest.toString('base64url') === text.replace(/=$/, '').replace(/\+/g, '-').replace(/\//g, '_')) return digest;
  }
  throw new FieldProblem(`${name} is not a SHA-256 digest (64 hex digits, or 43 base64 characters)`);
}
