import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import fc from 'fast-check';
import { request as httpRequest } from 'node:http';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { edgeSignature, sha256Hex } from '../../src/core/unleash-edge-signature.js';
import { ERROR_CODES } from '../../src/core/errors.js';
import { describeEachApp, startHarness } from '../support/app-harness.js';
import { storeSnapshot } from '../support/store-snapshot.js';

/*
 * Every operation of /openapi.json, sent many generated requests (fast-check, fixed seeds):
 * garbage and near-valid bodies, odd path parameters, query strings and headers, as the admin,
 * with no credential and with other credentials. The rule a hostile tester holds us to:
 *
 * - no answer is a 5xx;
 * - every 4xx is JSON in the error shape of the API that answered it (native, the vendor's, or OAuth's);
 * - a refused request changes nothing in the store.
 *
 * Offenders are collected, not thrown at the first one, so a failure lists every request that
 * broke a rule (grouped by what went wrong), each with what to send to see it again.
 */

const SEED = 20_261_205;
const FORM = 'application/x-www-form-urlencoded';
/** Requests per operation and backend: the whole file stays within ~20 s per backend. TESSERA_FUZZ_RUNS=400 for a longer hunt. */
const RUNS = Number(process.env.TESSERA_FUZZ_RUNS ?? 40);

// ---- the operations -------------------------------------------------------------------------

interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  schema: Schema;
}
type Schema = Record<string, any>;
interface Operation {
  key: string;
  method: string;
  path: string;
  parameters: Parameter[];
  body?: Schema;
  /** Its body is a form (application/x-www-form-urlencoded: the OAuth endpoints), not JSON. */
  form: boolean;
  security: Array<Record<string, string[]>>;
  /** Its answer is an event stream that does not end (GET /v1/verifier/changes). */
  stream: boolean;
}

async function operations(): Promise<Operation[]> {
  const h = await startHarness();
  try {
    const spec = (await h.request({ method: 'GET', url: '/openapi.json' })).json();
    const found: Operation[] = [];
    for (const [path, item] of Object.entries<Record<string, any>>(spec.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        found.push({
          key: `${method.toUpperCase()} ${path}`,
          method: method.toUpperCase(),
          path,
          parameters: op.parameters ?? [],
          body: op.requestBody?.content?.['application/json']?.schema ?? op.requestBody?.content?.[FORM]?.schema,
          form: op.requestBody?.content?.[FORM] !== undefined,
          security: op.security ?? [],
          stream: op.responses?.['200']?.content?.['text/event-stream'] !== undefined,
        });
      }
    }
    return found;
  } finally {
    await h.close();
  }
}

const OPERATIONS = await operations();

// ---- the world the requests are about ----------------------------------------------------------

/**
 * admin: the bootstrap admin; member: a member of one team; scoped: a token of the admin's that may
 * manage tokens and Edge Configs but not credits; api, revoked, reader: tokens that may manage nothing.
 */
type Credential = 'admin' | 'none' | 'member' | 'scoped' | 'api' | 'revoked' | 'reader' | 'junk';

interface World {
  secrets: Record<Exclude<Credential, 'none' | 'junk'>, string>;
  /** The token ids of the credentials an OAuth client may send as Basic client_id (RFC 6749 §2.3.1). */
  clientIds: Partial<Record<Credential, string>>;
  /** The admin's, the scoped and the reader's tokens: nothing generated names them or their secrets, or one DELETE would end the run. */
  protectedIds: string[];
  /** Real ids (tok_, usr_, team_, ecfg_, res_) and names (slugs, Eden AI names, item keys), growing as answers name new ones. */
  ids: string[];
  names: string[];
  /** The Edge Config the `reader` credential reads. */
  readerConfig: string;
  /** Another reader of that config, for requests to name: the `reader` credential is never named, or the read API would only see it deleted. */
  victimReader: string;
  now(): number;
  /** A fresh nonce for each signed request. */
  nonces: number;
}

/** Names what is in the world or what the fuzzer made up; resolved when the request is sent, against the world as it is then. */
type Ref = { real: 'id' | 'name' | 'secret'; prefixes?: string[]; index: number } | { text: string } | { readerConfig: true };

function resolve(world: World, ref: Ref): string {
  if ('text' in ref) return ref.text;
  if ('readerConfig' in ref) return world.readerConfig;
  const pool =
    ref.real === 'secret'
      ? [
          ...Object.values(world.secrets).filter((s) => s !== world.secrets.admin && s !== world.secrets.reader && s !== world.secrets.scoped),
          world.victimReader,
        ]
      : ref.real === 'name'
        ? world.names
        : world.ids.filter((id) => ref.prefixes === undefined || ref.prefixes.some((prefix) => id.startsWith(prefix)));
  const from = pool.length > 0 ? pool : world.ids;
  return from[ref.index % from.length]!;
}

const ID_PATTERN = /^(?:(?:tok|usr|team|ecfg)_[0-9a-z]{26}|res_[A-Za-z0-9_-]{27})$/;

/** Takes the ids an answer names into the world, so later requests can be about them. */
function harvest(world: World, value: unknown, depth = 0): void {
  if (depth > 6) return;
  if (typeof value === 'string') {
    if (ID_PATTERN.test(value) && !world.protectedIds.includes(value) && !world.ids.includes(value)) world.ids.push(value);
  } else if (Array.isArray(value)) {
    for (const item of value.slice(0, 50)) harvest(world, item, depth + 1);
  } else if (value !== null && typeof value === 'object') {
    for (const item of Object.values(value).slice(0, 50)) harvest(world, item, depth + 1);
  }
}

// ---- generators ---------------------------------------------------------------------------------

/** JSON text spliced in as is: numbers JSON.stringify cannot write (1e999 parses to Infinity). */
class RawJson {
  constructor(readonly text: string) {}
}

function jsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const nest = (depth: number, open: string, close: string, inner = '1') => open.repeat(depth) + inner + close.repeat(depth);

const JUNK_TEXT = [
  '',
  ' ',
  '..',
  '.',
  '%2F',
  '../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  '%252F',
  'a/b',
  '\\',
  'null',
  'undefined',
  'NaN',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '0',
  '-1',
  '1e309',
  '9'.repeat(40),
  '0x10',
  ' tok_x ',
  "' OR '1'='1",
  '"; DROP TABLE tokens; --',
  '$where',
  '{"$gt":""}',
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  '%',
  '%zz',
  'é',
  'ü'.repeat(70),
  '😀',
  '\u202e',
  '\u200b',
  '\ufeff',
  'İ',
  'ǅ',
  '\ud83d',
  'a\u0000b',
  '\u0000',
  '\t',
  '\r\n',
  'x'.repeat(65),
  'x'.repeat(129),
  'x'.repeat(257),
  'x'.repeat(513),
  'x'.repeat(5000),
  'tok_' + '0'.repeat(26),
  'usr_' + 'z'.repeat(26),
  'team_' + '0'.repeat(26),
  'ecfg_' + '0'.repeat(26),
  'res_' + 'A'.repeat(27),
  'tsk_' + 'A'.repeat(40),
  'tsr_',
  'tsre_x',
  'TOK_0',
  'default',
  'development',
  '*',
  '**',
  'admin',
  'owner',
];

/** A JSON object of up to `max` entries (fc.dictionary over JSON values is a hundred times slower). */
const objectOf = (key: fc.Arbitrary<string>, max: number) =>
  fc.array(fc.tuple(key, fc.jsonValue({ maxDepth: 2 })), { maxLength: max }).map((entries) => Object.fromEntries(entries));

/** Values to put where something else belongs: wrong types, extremes, odd text. */
const nasty: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom<unknown>(
      null,
      true,
      false,
      0,
      -0,
      -1,
      1.5,
      0.1,
      2 ** 31,
      2 ** 53,
      2 ** 53 + 2,
      -(2 ** 63),
      1e21,
      1e308,
      -1e308,
      5e-324,
      [],
      {},
      [[]],
      [null],
      { a: {} },
    ),
  },
  { weight: 4, arbitrary: fc.constantFrom(...JUNK_TEXT) },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom('1e999', '-1e999', '1E400', '1e-400', '-0.0', '123456789012345678901234567890', '1.0', '1e2', '0.1e1')
      .map((t) => new RawJson(t)),
  },
  { weight: 2, arbitrary: fc.integer() },
  { weight: 2, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map((n) => String(n)) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map((n) => new RawJson(String(n))) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 2, arbitrary: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }) },
  { weight: 2, arbitrary: objectOf(fc.string({ maxLength: 8 }), 4) },
  // Deeper than JSON.stringify or any recursive walk goes (about 10 000), and still within 100 kB.
  { weight: 1, arbitrary: fc.integer({ min: 20, max: 45_000 }).map((d) => new RawJson(nest(d, '[', ']'))) },
  { weight: 1, arbitrary: fc.integer({ min: 20, max: 15_000 }).map((d) => new RawJson(nest(d, '{"a":', '}'))) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 120_000 }).map((n) => 'x'.repeat(n)) },
);

function clampInteger(min: unknown, max: unknown): fc.Arbitrary<number> {
  const lo = typeof min === 'number' ? min : -(2 ** 40);
  const hi = typeof max === 'number' ? max : 2 ** 40;
  return fc.oneof(
    fc.constant(lo),
    fc.constant(hi),
    fc.double({ min: lo, max: hi, noNaN: true }).map((d) => Math.max(lo, Math.min(hi, Math.round(d)))),
  );
}

/** In a generated body, something of the world's, put in when the request is sent. */
class WorldRef {
  constructor(readonly ref: Ref) {}
}

/** A value a property of this name most likely refers to in the world, when there is one. */
function realRef(property: string): fc.Arbitrary<WorldRef> | undefined {
  const index = fc.nat();
  const ref = (make: (i: number) => Ref) => index.map((i) => new WorldRef(make(i)));
  if (/^token$|tokens|secret/i.test(property)) return ref((i) => ({ real: 'secret', index: i }));
  if (/^(userId|ownerUserId)$/.test(property)) return ref((i) => ({ real: 'id', prefixes: ['usr_'], index: i }));
  if (/^teamId$/.test(property)) return ref((i) => ({ real: 'id', prefixes: ['team_'], index: i }));
  if (/^(id|ids)$/.test(property)) return ref((i) => ({ real: 'id', index: i }));
  if (/^(name|key|slug|environment|projects)$/.test(property)) return ref((i) => ({ real: 'name', index: i }));
  return undefined;
}

const ABSENT = Symbol('absent');

/** Values the schema accepts (near enough: patterns and formats are followed, lengths mostly), refs to the world included. */
function fromSchema(schema: Schema, property = '', depth = 0): fc.Arbitrary<unknown> {
  if (schema.enum) return fc.constantFrom(...(schema.enum as unknown[]));
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.anyOf) return fc.oneof(...(schema.anyOf as Schema[]).map((s) => fromSchema(s, property, depth)));
  if (schema.oneOf) return fc.oneof(...(schema.oneOf as Schema[]).map((s) => fromSchema(s, property, depth)));
  const real = realRef(property);
  const plain = ((): fc.Arbitrary<unknown> => {
    switch (schema.type) {
      case 'string':
        // An amount of credits: the pattern also takes what no rule does (negative, past 10^9); small ones too.
        if (/^(amount|credits|cost|balance)$/.test(property)) {
          const amounts = fc.oneof(fc.integer({ min: 0, max: 1000 }).map(String), fc.constantFrom('0.5', '1', '10', '0.000000001'));
          return schema.pattern ? fc.oneof(amounts, fc.stringMatching(new RegExp(schema.pattern as string))) : amounts;
        }
        if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern as string)).filter((s) => s.length <= (schema.maxLength ?? Infinity));
        if (schema.format === 'email') return fc.emailAddress();
        if (schema.format === 'date-time')
          return fc.date({ min: new Date(0), max: new Date(Date.UTC(9000, 0)), noInvalidDate: true }).map((d) => d.toISOString());
        if (schema.format === 'ip') return fc.oneof(fc.ipV4(), fc.ipV6());
        return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 30, 30) });
      case 'integer':
        return clampInteger(schema.minimum, schema.maximum);
      case 'number':
        return fc.double({ min: schema.minimum ?? -1e9, max: schema.maximum ?? 1e9, noNaN: true });
      case 'boolean':
        return fc.boolean();
      case 'null':
        return fc.constant(null);
      case 'array': {
        const items = schema.items ? fromSchema(schema.items as Schema, property, depth + 1) : fc.jsonValue({ maxDepth: 1 });
        return fc.array(items, { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 4, 4) });
      }
      case 'object': {
        const properties = (schema.properties ?? {}) as Record<string, Schema>;
        if (Object.keys(properties).length === 0) return objectOf(fc.string({ minLength: 1, maxLength: 8 }), 3);
        const required = new Set((schema.required ?? []) as string[]);
        const record: Record<string, fc.Arbitrary<unknown>> = {};
        for (const [name, sub] of Object.entries(properties)) {
          const value = depth > 3 ? fc.constant(null) : fromSchema(sub, name, depth + 1);
          // Each optional property in one body of three or so: a body with all of them is almost never all right.
          record[name] = required.has(name) ? value : fc.oneof({ weight: 2, arbitrary: fc.constant(ABSENT) }, { weight: 1, arbitrary: value });
        }
        return fc.record(record).map((value) => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== ABSENT)));
      }
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  })();
  return real && schema.type === 'string' ? fc.oneof(plain, real) : plain;
}

/** Replaces refs to the world inside a generated body by what they name now. */
function resolveBody(world: World, value: unknown): unknown {
  if (value instanceof WorldRef) return resolve(world, value.ref);
  if (value instanceof RawJson) return value;
  if (Array.isArray(value)) return value.map((v) => resolveBody(world, v));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveBody(world, v)]));
  return value;
}

/** A deep copy of generated JSON; refs and raw JSON, which never change, are shared. */
function copy(value: unknown): unknown {
  if (value instanceof WorldRef || value instanceof RawJson) return value;
  if (Array.isArray(value)) return value.map(copy);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copy(v)]));
  return value;
}

type Mutation = 'replace' | 'remove' | 'add' | 'wrap';

/** One place in the value changed: a field replaced by something nasty, removed, added, or wrapped in an array. */
function mutate(value: unknown, pick: number, mutation: Mutation, replacement: unknown, extraKey: string): unknown {
  const spots: Array<{ parent: Record<string, unknown> | unknown[]; key: string | number }> = [];
  const walk = (node: unknown, depth: number) => {
    if (depth > 4 || node === null || typeof node !== 'object' || node instanceof RawJson || node instanceof WorldRef) return;
    for (const [key, child] of Object.entries(node)) {
      spots.push({ parent: node as Record<string, unknown>, key: Array.isArray(node) ? Number(key) : key });
      walk(child, depth + 1);
    }
  };
  const copied = copy(value);
  walk(copied, 0);
  if (spots.length === 0 || mutation === 'wrap') return mutation === 'wrap' ? [copied] : replacement;
  const { parent, key } = spots[pick % spots.length]!;
  const target = parent as Record<string | number, unknown>;
  if (mutation === 'replace') target[key] = replacement;
  else if (mutation === 'remove') {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete target[key];
  } else if (mutation === 'add') {
    const holder =
      target[key] !== null && typeof target[key] === 'object' && !Array.isArray(target[key])
        ? (target[key] as Record<string, unknown>)
        : (copied as Record<string, unknown>);
    if (holder !== null && typeof holder === 'object' && !Array.isArray(holder)) holder[extraKey] = replacement;
  }
  return copied;
}

const GARBAGE_TEXT = [
  '{',
  '}',
  '[',
  '{"a":',
  '{"a":1,}',
  "{'a':1}",
  '{a:1}',
  'nul',
  'tru',
  'undefined',
  'NaN',
  '-',
  '1e',
  '"\\u00"',
  '"\\x41"',
  '"\\ud800"',
  '\ufeff{}',
  '{}\u0000',
  '{"a":"\\u0000"}',
  '[]',
  '[{}]',
  '{}',
  'null',
  'true',
  '0',
  '-0',
  '1e999',
  '""',
  '"x"',
  '{"__proto__":{"x":1}}',
  '{"constructor":{"prototype":{"x":1}}}',
  '{"a":1,"a":2}',
  '{"a":1} {"b":2}',
  '{"a":1}garbage',
  '\n\n',
  '   {}   ',
];

const rawBody: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...GARBAGE_TEXT),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.integer({ min: 100, max: 20_000 }).map((d) => nest(d, '[', ']', '')),
  fc.integer({ min: 100, max: 20_000 }).map((d) => nest(d, '{"a":', '}', '1')),
  fc.integer({ min: 90_000, max: 200_000 }).map((n) => `{"a":"${'x'.repeat(n)}"}`),
);

type BodyPlan = { kind: 'none' } | { kind: 'raw'; text: string } | { kind: 'json'; value: unknown };

/** What the operation takes: a body from its schema (refs to the world included), or none. */
function saneBody(op: Operation): fc.Arbitrary<BodyPlan> {
  return op.body ? fromSchema(op.body).map((value) => ({ kind: 'json', value })) : fc.constant({ kind: 'none' });
}

/** Garbage, nasty JSON, or the operation's body with one thing wrong. */
function badBody(op: Operation): fc.Arbitrary<BodyPlan> {
  const choices: Array<fc.WeightedArbitrary<BodyPlan>> = [
    { weight: 2, arbitrary: rawBody.map((text) => ({ kind: 'raw', text })) },
    { weight: 2, arbitrary: nasty.map((value) => ({ kind: 'json', value })) },
  ];
  if (op.body) {
    choices.push({
      weight: 8,
      arbitrary: fc
        .tuple(
          fromSchema(op.body),
          fc.nat(),
          fc.constantFrom<Mutation>('replace', 'replace', 'replace', 'remove', 'add', 'wrap'),
          nasty,
          fc.constantFrom('extra', '__proto__', 'constructor', 'name', 'x'.repeat(300), ''),
        )
        .map(([value, pick, mutation, replacement, extraKey]) => ({ kind: 'json', value: mutate(value, pick, mutation, replacement, extraKey) })),
    });
  } else {
    choices.push({ weight: 1, arbitrary: fc.constant({ kind: 'none' }) });
  }
  return fc.oneof(...choices);
}

const HEADER_TEXT = fc.string({
  unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff })).map((c) => String.fromCharCode(c)),
  maxLength: 40,
});

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/json;charset=UTF-8',
  'application/json; charset=latin1',
  'application/json; charset=',
  'application/json;;;',
  'application/json; boundary=x',
  'application/jsonx',
  'application/vnd.api+json',
  'text/plain',
  'text/json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  '*/*',
  'json',
  '',
];

type ExtraHeaders = Record<string, string>;

/** An Idempotency-Key now and then where the operation takes one, from a few, so keys meet again: replays and mismatches. */
function saneHeaders(op: Operation): fc.Arbitrary<ExtraHeaders> {
  if (!op.parameters.some((p) => p.in === 'header' && p.name === 'idempotency-key')) return fc.constant({});
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant({}) },
    { weight: 1, arbitrary: fc.constantFrom('key-1', 'key-2', 'key-3').map((key) => ({ 'idempotency-key': key })) },
  );
}

/** Odd values of the headers tessera reads. */
const HEADER_VALUES: Record<string, fc.Arbitrary<string>> = {
  'content-type': fc.constantFrom(...CONTENT_TYPES),
  'idempotency-key': fc.oneof(fc.uuid(), HEADER_TEXT, fc.constantFrom('', ' ', 'k'.repeat(256), 'a b', 'é')),
  'content-encoding': fc.constantFrom('identity', 'gzip', 'br', 'x', ''),
  'x-forwarded-for': fc.oneof(fc.ipV4(), fc.constantFrom('::1', 'garbage', '1.1.1.1, 2.2.2.2', '999.1.1.1', '')),
  'if-none-match': HEADER_TEXT,
  'x-timestamp': fc.oneof(fc.integer().map(String), HEADER_TEXT),
  'x-nonce': HEADER_TEXT,
  'content-sha256': HEADER_TEXT,
  'content-length': fc.constantFrom('0', '1', '-1', 'abc', '99999999999'),
  accept: fc.constantFrom('text/html', '*/*', 'application/xml'),
};

/** One to three odd headers (a record of optional keys, filtered, would take a second to sample). */
const badHeaders: fc.Arbitrary<ExtraHeaders> = fc
  .uniqueArray(fc.oneof(...Object.entries(HEADER_VALUES).map(([name, value]) => value.map((v): [string, string] => [name, v]))), {
    minLength: 1,
    maxLength: 3,
    selector: ([name]) => name,
  })
  .map((entries) => Object.fromEntries(entries));

type Tamper = 'none' | 'signature' | 'timestamp' | 'nonce' | 'sha' | 'client';
type AuthPlan =
  | { credential: Exclude<Credential, 'junk'>; via?: 'query' | 'basic' }
  | { credential: 'junk'; header: string }
  /** Signed as the Unleash Edge client EDGE_CLIENT, maybe with one part of the signature wrong. */
  | { credential: 'hmac'; tamper: Tamper };

const JUNK_AUTH = [
  'Bearer',
  'Bearer ',
  'Bearer  ',
  'bearer tsr_',
  'Basic dXNlcjpwYXNz',
  'Basic ',
  'Basic Og==',
  'Basic //79',
  'Basic bm9jb2xvbg==',
  'Basic !!!',
  'Basic dG9rX3g6',
  'HMAC ',
  'HMAC a:b',
  'HMAC :',
  'HMAC a:b:c',
  'Token x',
  'Bearer tsr_' + 'A'.repeat(5000),
  'Bearer tsk_xxx tsk_yyy',
  '*',
];

/** The credential the operation is meant for. */
function saneAuth(op: Operation): fc.Arbitrary<AuthPlan> {
  if (op.security.some((s) => s.edgeConfigToken)) return fc.constantFrom<AuthPlan>({ credential: 'reader' }, { credential: 'reader', via: 'query' });
  if (op.security.some((s) => s.unleashEdgeHmac)) return fc.constantFrom<AuthPlan>({ credential: 'admin' }, { credential: 'hmac', tamper: 'none' });
  // An OAuth client: a personal token as Bearer or as Basic credentials; revocation takes none too (a token presenting itself).
  if (op.security.some((s) => s.oauthClient))
    return fc.constantFrom<AuthPlan>(
      { credential: 'admin' },
      { credential: 'admin', via: 'basic' },
      { credential: 'scoped', via: 'basic' },
      { credential: 'member' },
      ...(op.security.some((s) => Object.keys(s).length === 0) ? [{ credential: 'none' as const }] : []),
    );
  // Mostly the admin, who may do anything; now and then a member, who meets the rules on teams and
  // owners, or a token that may manage tokens but not credits.
  if (op.security.some((s) => s.bearer))
    return fc.constantFrom<AuthPlan>({ credential: 'admin' }, { credential: 'admin' }, { credential: 'member' }, { credential: 'scoped' });
  return fc.constantFrom<AuthPlan>({ credential: 'none' }, { credential: 'admin' });
}

const badAuth: fc.Arbitrary<AuthPlan> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ credential: 'none' as const }) },
  { weight: 3, arbitrary: fc.constantFrom('admin', 'member', 'scoped', 'api', 'revoked', 'reader').map((credential) => ({ credential }) as AuthPlan) },
  { weight: 1, arbitrary: fc.constantFrom('member', 'scoped', 'api', 'revoked', 'reader').map((credential) => ({ credential, via: 'query' }) as AuthPlan) },
  // Basic client credentials with an id that is not the secret's token's (the admin's id with another secret), or a revoked pair.
  { weight: 1, arbitrary: fc.constantFrom('member', 'api', 'revoked', 'reader').map((credential) => ({ credential, via: 'basic' }) as AuthPlan) },
  { weight: 3, arbitrary: fc.oneof(fc.constantFrom(...JUNK_AUTH), HEADER_TEXT).map((header) => ({ credential: 'junk' as const, header })) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<Tamper>('none', 'signature', 'timestamp', 'nonce', 'sha', 'client').map((tamper): AuthPlan => ({ credential: 'hmac', tamper })),
  },
);

type PathParam = { value: Ref; encoding: 'encode' | 'raw' | 'twice' };

/** The kind of thing a path parameter names. */
function kindsOf(op: Operation, name: string): Ref {
  switch (name) {
    case 'reservationId':
      return { real: 'id', prefixes: ['res_'], index: 0 };
    case 'ownerId':
      return { real: 'id', prefixes: ['usr_', 'team_'], index: 0 };
    case 'edgeConfigId':
      return op.security.some((s) => s.edgeConfigToken) ? { readerConfig: true } : { real: 'id', prefixes: ['ecfg_'], index: 0 };
    case 'id':
      return op.path.startsWith('/v1/teams/') ? { real: 'id', prefixes: ['team_'], index: 0 } : { real: 'id', prefixes: ['tok_'], index: 0 };
    case 'tokenId':
      return { real: 'id', prefixes: ['tok_'], index: 0 };
    case 'token':
      return { real: 'secret', index: 0 };
    default:
      return { real: 'name', index: 0 };
  }
}

function sanePath(op: Operation, name: string): fc.Arbitrary<PathParam> {
  const kind = kindsOf(op, name);
  const value = fc.oneof(
    { weight: 4, arbitrary: fc.nat().map((index): Ref => ('real' in kind ? { ...kind, index } : kind)) },
    // A token path takes an id as well as a secret.
    { weight: name === 'token' ? 2 : 0, arbitrary: fc.nat().map((index): Ref => ({ real: 'id', prefixes: ['tok_'], index })) },
  );
  return fc.record({ value, encoding: fc.constant('encode' as const) });
}

/** A path parameter of another kind, or junk, encoded, raw or twice encoded. */
function badPath(op: Operation): fc.Arbitrary<PathParam> {
  const value: fc.Arbitrary<Ref> = fc.oneof(
    // Vercel's name for the calling token; only where reading it, or one DELETE would end the run.
    { weight: op.method === 'GET' ? 1 : 0, arbitrary: fc.constant<Ref>({ text: 'current' }) },
    { weight: 2, arbitrary: fc.nat().map((index): Ref => ({ real: 'id', index })) },
    { weight: 1, arbitrary: fc.nat().map((index): Ref => ({ real: 'secret', index })) },
    { weight: 1, arbitrary: fc.nat().map((index): Ref => ({ real: 'name', index })) },
    { weight: 4, arbitrary: fc.constantFrom(...JUNK_TEXT).map((text): Ref => ({ text })) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).map((text): Ref => ({ text })) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }).map((text): Ref => ({ text })) },
  );
  return fc.record({ value, encoding: fc.constantFrom('encode', 'encode', 'raw', 'twice') });
}

function encodeSegment(text: string, encoding: PathParam['encoding']): string {
  if (encoding === 'raw' && /^[\x21-\x7e]*$/.test(text) && !/[?#]/.test(text)) return text;
  const once = encodeURIComponent(text.replace(/[\ud800-\udfff]/g, '\ufffd'));
  return encoding === 'twice' ? encodeURIComponent(once) : once;
}

type QueryPlan = Array<{ key: string; value: Ref; encode: boolean }>;

/** Some of the operation's query parameters, with values their schemas take (a cursor only as junk). */
function saneQuery(op: Operation): fc.Arbitrary<QueryPlan> {
  const params = op.parameters.filter((p) => p.in === 'query' && p.name !== 'cursor');
  if (params.length === 0) return fc.constant([]);
  const pair = fc.oneof(
    ...params.map((p) =>
      fromSchema(p.schema, p.name).map((value) => {
        const values = Array.isArray(value) ? value : [value];
        return values.map((v) => ({ key: p.name, value: v instanceof WorldRef ? v.ref : { text: String(v) }, encode: true }));
      }),
    ),
  );
  return fc.array(pair, { maxLength: 2 }).map((pairs) => pairs.flat());
}

function badQuery(op: Operation): fc.Arbitrary<QueryPlan> {
  const known = op.parameters.filter((p) => p.in === 'query').map((p) => p.name);
  const key = fc.oneof(
    { weight: 4, arbitrary: known.length > 0 ? fc.constantFrom(...known) : fc.constant('limit') },
    { weight: 1, arbitrary: fc.constantFrom('token', 'limit', 'cursor', 'teamId', 'slug', '__proto__', 'key', 'version', 'a[b]', '') },
    { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
  );
  const value = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...JUNK_TEXT, '1', '50', '200', '201', '1.5', 'true', 'active', 'token.create').map((text): Ref => ({ text })) },
    { weight: 2, arbitrary: fc.nat().map((index): Ref => ({ real: 'id', index })) },
    { weight: 1, arbitrary: fc.nat().map((index): Ref => ({ real: 'secret', index })) },
    { weight: 1, arbitrary: fc.nat().map((index): Ref => ({ real: 'name', index })) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }).map((text): Ref => ({ text })) },
  );
  return fc.array(fc.record({ key, value, encode: fc.boolean() }), { minLength: 1, maxLength: 4 });
}

interface Plan {
  /** What is wrong with this request; the other parts are as the operation expects them. */
  fault: Fault;
  /** Moves the clock on before the request, now and then: refills, expiries and reservations that run out. */
  advanceMs: number;
  /** Another method than the operation's. */
  method?: string;
  url: UrlMangle;
  auth: AuthPlan;
  params: Record<string, PathParam>;
  query: QueryPlan;
  headers: ExtraHeaders;
  body: BodyPlan;
}

/** The path as a client or proxy might garble it. */
type UrlMangle =
  | 'none'
  | 'trailing-slash'
  | 'double-slash'
  | 'upper-case'
  | 'dot-segment'
  | 'encoded-slash'
  | 'semicolon'
  | 'fragment'
  | 'bad-escape'
  | 'query-only';

function mangle(path: string, how: UrlMangle): string {
  switch (how) {
    case 'none':
      return path;
    case 'trailing-slash':
      return path.endsWith('/') ? path.slice(0, -1) : `${path}/`;
    case 'double-slash':
      return path.replace(/\//g, '//');
    case 'upper-case':
      return path.toUpperCase();
    case 'dot-segment':
      return path.replace(/\/([^/]+)$/, '/./$1/../$1');
    case 'encoded-slash':
      return path.replace(/\/([^/]*)$/, '%2F$1');
    case 'semicolon':
      return `${path};jsessionid=1`;
    case 'fragment':
      return `${path}#frag`;
    case 'bad-escape':
      return `${path}%E0%A4%A`;
    case 'query-only':
      return `${path}?`;
  }
}
type Fault = 'body' | 'path' | 'query' | 'headers' | 'auth' | 'method' | 'url' | 'all' | 'none';

function plans(op: Operation): fc.Arbitrary<Plan> {
  const pathNames = op.parameters.filter((p) => p.in === 'path').map((p) => p.name);
  const fault = fc.oneof(
    { weight: op.body ? 8 : 2, arbitrary: fc.constant<Fault>('body') },
    { weight: pathNames.length > 0 ? 4 : 0, arbitrary: fc.constant<Fault>('path') },
    { weight: 2, arbitrary: fc.constant<Fault>('query') },
    { weight: 2, arbitrary: fc.constant<Fault>('headers') },
    { weight: 2, arbitrary: fc.constant<Fault>('auth') },
    { weight: 1, arbitrary: fc.constant<Fault>('method') },
    { weight: 1, arbitrary: fc.constant<Fault>('url') },
    { weight: 1, arbitrary: fc.constant<Fault>('all') },
    { weight: 2, arbitrary: fc.constant<Fault>('none') },
  );
  const paths = (make: (name: string) => fc.Arbitrary<PathParam>) =>
    fc.record(Object.fromEntries(pathNames.map((name) => [name, make(name)])) as Record<string, fc.Arbitrary<PathParam>>);
  return fc
    .record({
      fault,
      advanceMs: fc.oneof(
        { weight: 14, arbitrary: fc.constant(0) },
        { weight: 1, arbitrary: fc.constantFrom(1000, 61_000, 3_600_000, 86_400_000, 31 * 86_400_000) },
      ),
      sane: fc.record({ auth: saneAuth(op), params: paths((name) => sanePath(op, name)), query: saneQuery(op), headers: saneHeaders(op), body: saneBody(op) }),
      bad: fc.record({
        auth: badAuth,
        params: paths(() => badPath(op)),
        query: badQuery(op),
        headers: badHeaders,
        body: badBody(op),
        method: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS').filter((m) => m !== op.method),
        url: fc.constantFrom<UrlMangle>(
          'trailing-slash',
          'double-slash',
          'upper-case',
          'dot-segment',
          'encoded-slash',
          'semicolon',
          'fragment',
          'bad-escape',
          'query-only',
        ),
      }),
    })
    .map(({ fault, advanceMs, sane, bad }) => {
      const pick = <K extends keyof typeof sane>(part: K, when: Fault) => (fault === when || fault === 'all' ? bad[part] : sane[part]);
      const method = fault === 'method' || fault === 'all' ? bad.method : undefined;
      const url = fault === 'url' || fault === 'all' ? bad.url : 'none';
      return {
        fault,
        method,
        url,
        advanceMs,
        auth: pick('auth', 'auth'),
        params: pick('params', 'path'),
        query: pick('query', 'query'),
        headers: pick('headers', 'headers'),
        body: pick('body', 'body'),
      };
    });
}

const EDGE_CLIENT = { id: 'fuzz-edge', secret: Buffer.alloc(32, 7) };

/** Unleash Edge's signature headers for this request, the part `tamper` names made wrong. */
function signed(method: string, path: string, body: string, tamper: Tamper, world: World): Record<string, string> {
  const timestamp = new Date(world.now() - (tamper === 'timestamp' ? 10 * 60_000 : 0)).toISOString();
  const nonce = tamper === 'nonce' ? 'nonce-0' : `nonce-${world.nonces++}`;
  const bodySha256 = tamper === 'sha' ? sha256Hex(`${body} `) : sha256Hex(body);
  const signature = edgeSignature(EDGE_CLIENT.secret, { method, path, timestamp, nonce, bodySha256: sha256Hex(body) });
  const client = tamper === 'client' ? 'someone-else' : EDGE_CLIENT.id;
  return {
    authorization: `HMAC ${client}:${tamper === 'signature' ? signature.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) : signature}`,
    'x-timestamp': timestamp,
    'x-nonce': nonce,
    'content-sha256': bodySha256,
  };
}

/**
 * A generated body as a form: each field once, its value the text (a string as is, anything else as
 * JSON); a body that is no object becomes its JSON text, which a form reads as one odd field.
 */
function formText(value: unknown): string {
  if (value instanceof RawJson || value === null || typeof value !== 'object' || Array.isArray(value)) return jsonText(value);
  return new URLSearchParams(Object.entries(value).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : jsonText(v)])).toString();
}

/** A request from a plan: refs resolved against the world as it is now. */
function requestOf(op: Operation, plan: Plan, world: World): InjectOptions {
  let url = op.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const param = plan.params[name]!;
    return encodeSegment(resolve(world, param.value), param.encoding);
  });
  url = mangle(url, plan.url);
  if (plan.query.length > 0) {
    const pairs = plan.query.map(({ key, value, encode }) => {
      const text = resolve(world, value).replace(/[\ud800-\udfff]/g, '\ufffd');
      return encode || !/^[\x21-\x7e]*$/.test(text) ? `${encodeURIComponent(key)}=${encodeURIComponent(text)}` : `${key}=${text.replace(/#/g, '')}`;
    });
    url += `?${pairs.join('&')}`;
  }
  const headers: Record<string, string> = { ...plan.headers };
  const { auth } = plan;
  const method = plan.method ?? op.method;
  const options: InjectOptions = { method: method as InjectOptions['method'], url, headers };
  if (plan.body.kind !== 'none') {
    const value = plan.body.kind === 'json' ? resolveBody(world, plan.body.value) : undefined;
    options.payload = plan.body.kind === 'raw' ? plan.body.text : op.form ? formText(value) : jsonText(value);
    headers['content-type'] ??= op.form ? FORM : 'application/json';
  }
  if (auth.credential === 'hmac') Object.assign(headers, signed(method, url.split('?')[0]!, String(options.payload ?? ''), auth.tamper, world));
  else if (auth.credential === 'junk') headers.authorization = auth.header;
  else if (auth.credential !== 'none' && auth.via === 'basic') {
    // The admin's id stands in for a credential with none: a pairing of one token's id and another's secret.
    const id = world.clientIds[auth.credential] ?? world.clientIds.admin!;
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(world.secrets[auth.credential])}`).toString('base64')}`;
  } else if (auth.credential !== 'none' && auth.via === 'query')
    options.url = `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(world.secrets[auth.credential])}`;
  else if (auth.credential !== 'none') headers.authorization = `Bearer ${world.secrets[auth.credential]}`;
  return options;
}

// ---- the rules ------------------------------------------------------------------------------------

type Api = 'native' | 'vida' | 'unleash' | 'edenai' | 'vercel' | 'oauth';

/** The API a route pattern belongs to; its 4xx answers are in that API's error shape. */
function apiOf(route: string | undefined): Api {
  if (route === undefined || route === 'unmatched') return 'native';
  if (route.startsWith('/api/v2/tokens')) return 'vida';
  if (route.startsWith('/oauth/') || route === '/.well-known/oauth-authorization-server') return 'oauth';
  if (route.startsWith('/edge/')) return 'unleash';
  if (route.startsWith('/v2/user/custom_token')) return 'edenai';
  if (/^\/v[356]\/user\/tokens|^\/v1\/(edge|global)-config|^\/:edgeConfigId/.test(route)) return 'vercel';
  return 'native';
}

/**
 * Whose error shape an answer must have: that of the route that answered it. A request the router
 * refused before any route (`unmatched`) for the operation's own method and path was meant for the
 * operation's route and is answered in its shape, unless its path cannot be decoded at all (a
 * malformed %-escape: refused as no route, in the native shape); an unknown route is native.
 */
function expectedApi(op: Operation, plan: Plan, options: InjectOptions, route: string | undefined, status: number): Api {
  if (route !== undefined && route !== 'unmatched') return apiOf(route);
  if (status === 404 || plan.method !== undefined || plan.url !== 'none') return 'native';
  const path = String(options.url).split('?')[0]!;
  const decodable = path.split('/').every((segment) => {
    try {
      decodeURIComponent(segment);
      return true;
    } catch {
      return false;
    }
  });
  return decodable ? apiOf(op.path.replace(/\{(\w+)\}/g, ':$1')) : 'native';
}

const VERCEL_CODES = new Set([
  'bad_request',
  'not_authorized',
  'forbidden',
  'not_found',
  'payment_required',
  'conflict',
  'rate_limited',
  'payload_too_large',
  'unsupported_media_type',
  'service_unavailable',
]);
const NATIVE_CODES = new Set<string>(ERROR_CODES.filter((c) => c !== 'INTERNAL_ERROR'));
/** RFC 6749 §5.2 and RFC 7009 §2.2.1: what a 4xx of an OAuth endpoint may say. */
const OAUTH_CODES = new Set([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'invalid_target',
  'unsupported_token_type',
  'temporarily_unavailable',
]);

/** An answer, however it was asked: by inject, or over a socket. */
interface Answer {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

/** The request over a connection of its own, as a client would send it. */
function overHttp(base: string, options: InjectOptions): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = options.payload === undefined ? undefined : Buffer.from(String(options.payload));
    const headers = { ...(options.headers as Record<string, string>), ...(payload ? { 'content-length': String(payload.length) } : {}) };
    const req = httpRequest(`${base}${options.url}`, { method: options.method, agent: false, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * An event stream's request by inject: a refusal is read whole; a stream that opened is taken as
 * its status and headers, and ended (it never ends by itself).
 */
async function injectStream(app: FastifyInstance, options: InjectOptions): Promise<Answer> {
  const res = await app.inject({ ...options, payloadAsStream: true });
  if (res.statusCode < 300) {
    (res.raw.res as { destroy(): void }).destroy();
    return { statusCode: res.statusCode, headers: res.headers, body: '' };
  }
  let body = '';
  for await (const chunk of res.stream()) body += String(chunk);
  return { statusCode: res.statusCode, headers: res.headers, body };
}

/** What is wrong with a 4xx answer's body for its API, or undefined when nothing is. */
function shapeProblem(api: Api, res: Answer, method: string): string | undefined {
  if (method === 'HEAD') return undefined;
  if (!String(res.headers['content-type'] ?? '').startsWith('application/json')) return `content-type ${res.headers['content-type']} is not JSON`;
  let body: any;
  try {
    body = JSON.parse(res.body);
  } catch {
    return 'body is not JSON';
  }
  const text = (v: unknown) => typeof v === 'string' && v.length > 0;
  switch (api) {
    case 'native':
      if (!NATIVE_CODES.has(body?.error?.code)) return `native error.code ${JSON.stringify(body?.error?.code)}`;
      if (!text(body.error.message)) return 'native error.message missing';
      if (body.error.requestId !== res.headers['x-request-id']) return 'native error.requestId is not x-request-id';
      return undefined;
    case 'vercel':
      return VERCEL_CODES.has(body?.error?.code) && text(body.error.message) ? undefined : `not Vercel's {error:{code,message}}`;
    case 'edenai':
      return text(body?.error?.type) && text(body.error.message) ? undefined : `not Eden AI's {error:{type,message}}`;
    case 'vida':
      return body?.success === false && text(body.message) ? undefined : `not Vida's {success:false,message}`;
    case 'unleash':
      return text(body?.id) && text(body?.name) && text(body?.message) ? undefined : `not Unleash's {id,name,message}`;
    case 'oauth':
      if (!OAUTH_CODES.has(body?.error)) return `OAuth error ${JSON.stringify(body?.error)}`;
      if (body.error_description !== undefined && !text(body.error_description)) return 'OAuth error_description is not text';
      if (res.statusCode === 401 && !/^Basic /.test(String(res.headers['www-authenticate']))) return 'a 401 without a Basic challenge';
      return undefined;
  }
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Routes that charge credits whatever the method (a gateway's forward-auth asks with GET as often as not): compared one by one too. */
const CHARGES_ON_EVERY_METHOD = /^\/v1\/forward-auth(?:\/|$)/;

/** Which parts of a store snapshot differ, and in which items: enough to start looking. */
function whatChanged(before: string, after: string): string {
  const a = JSON.parse(before) as Record<string, unknown>;
  const b = JSON.parse(after) as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(b)) {
    const x = a[key];
    const y = b[key];
    if (JSON.stringify(x) === JSON.stringify(y)) continue;
    if (!Array.isArray(x) || !Array.isArray(y)) {
      parts.push(`${key}: ${cut(JSON.stringify(x), 80)} → ${cut(JSON.stringify(y), 80)}`);
      continue;
    }
    const label = (item: unknown) => String((item as { id?: unknown } | null)?.id ?? cut(JSON.stringify(item), 60));
    const was = new Map(x.map((item) => [label(item), JSON.stringify(item)]));
    const now = new Map(y.map((item) => [label(item), JSON.stringify(item)]));
    const added = [...now.keys()].filter((id) => !was.has(id));
    const removed = [...was.keys()].filter((id) => !now.has(id));
    const changed = [...now.keys()].filter((id) => was.has(id) && was.get(id) !== now.get(id));
    parts.push(
      `${key}: ${[added.length ? `added ${added.join(', ')}` : '', removed.length ? `removed ${removed.join(', ')}` : '', changed.length ? `changed ${changed.join(', ')}` : ''].filter(Boolean).join('; ')}`,
    );
  }
  return parts.join(' | ');
}

interface Offender {
  rule: string;
  request: string;
  status: number;
  answer: string;
}

const cut = (text: string, n: number) => (text.length > n ? `${text.slice(0, n)}…(${text.length} chars)` : text);

function describeRequest(options: InjectOptions): string {
  const headers = { ...(options.headers as Record<string, string>) };
  if (headers.authorization) headers.authorization = cut(headers.authorization, 24);
  const body = options.payload === undefined ? '' : ` body=${cut(String(options.payload), 300)}`;
  return `${options.method} ${cut(String(options.url), 300)} headers=${JSON.stringify(headers)}${body}`;
}

/** Offenders grouped by rule, status and route, a few of each shown, so one cause is one paragraph. */
function report(offenders: Offender[]): string {
  const groups = new Map<string, Offender[]>();
  for (const o of offenders) {
    const key = `${o.rule} → ${o.status} ${cut(o.answer, 120)}`;
    groups.set(key, [...(groups.get(key) ?? []), o]);
  }
  return [...groups]
    .map(
      ([key, list]) =>
        `${list.length}× ${key}\n${list
          .slice(0, 3)
          .map((o) => `    ${o.request}`)
          .join('\n')}`,
    )
    .join('\n');
}

// ---- the suite ------------------------------------------------------------------------------------

function seedOf(key: string): number {
  let hash = SEED;
  for (const char of key) hash = Math.imul(hash ^ char.charCodeAt(0), 16_777_619) >>> 0;
  return hash | 0;
}

await describeEachApp(
  'fuzzing every operation of /openapi.json',
  (h) => {
    const world = {} as World;
    /** The route pattern of each answer, as the request metrics saw it. */
    const routes: string[] = [];
    /** Where the app listens, for the requests sent over a socket. */
    let base = '';
    const known = () => ({ edgeConfigIds: world.ids.filter((id) => id.startsWith('ecfg_')), reservationIds: world.ids.filter((id) => id.startsWith('res_')) });

    before(async () => {
      const ok = async (options: InjectOptions & { as?: string }) => {
        const res = await h.request(options);
        assert.ok(res.statusCode < 300, `setting up: ${options.method} ${options.url} → ${res.statusCode} ${res.body}`);
        return res.json();
      };
      const as = h.admin;
      const member = await h.user('fuzz member');
      const team = (await ok({ method: 'POST', url: '/v1/teams', as, payload: { slug: 'fuzz-team' } })).team;
      await ok({ method: 'POST', url: `/v1/teams/${team.id}/members`, as, payload: { userId: member.id, role: 'member' } });
      const scoped = await ok({
        method: 'POST',
        url: '/v1/tokens',
        as,
        payload: { name: 'fuzz scoped', type: 'personal', scopes: ['tokens:write', 'edge-configs:write'] },
      });
      const api = await ok({ method: 'POST', url: '/v1/tokens', as, payload: { name: 'fuzz api', type: 'api', credits: '1000', scopes: ['read'] } });
      const revoked = await ok({ method: 'POST', url: '/v1/tokens', as, payload: { name: 'fuzz revoked', type: 'personal' } });
      await ok({ method: 'POST', url: `/v1/tokens/${revoked.token.id}/revoke`, as });
      const config = await ok({ method: 'POST', url: '/v1/edge-config', as, payload: { slug: 'fuzz-config', items: { a: 1, b: { c: [1, 2] } } } });
      const reader = await ok({ method: 'POST', url: `/v1/edge-config/${config.id}/token`, as, payload: { label: 'fuzz reader' } });
      await ok({ method: 'POST', url: '/v2/user/custom_token/', as, payload: { name: 'fuzz-eden' } });
      const reservation = await ok({ method: 'POST', url: '/v1/credits/reserve', payload: { token: api.secret, amount: '1', ttlMs: 60_000 } });
      const whoami = await ok({ method: 'GET', url: '/v1/whoami', as });
      await ok({ method: 'POST', url: `/v1/credit-pools/${whoami.user.id}/credits`, as, payload: { op: 'set', amount: '100' } });
      await ok({ method: 'POST', url: `/v1/credit-pools/${team.id}/credits`, as, payload: { op: 'set', amount: '100' } });
      // Tokens of every kind the rules treat differently, for requests to verify, charge, change and delete.
      const kinds: object[] = [
        { credits: '5', metadata: { k: 'v' } },
        { teamId: team.id },
        { creditPool: true },
        { teamId: team.id, creditPool: true },
        { credits: '10', rateLimits: [{ name: 'rps', limit: 2, durationMs: 1000 }], refill: { amount: '10', interval: 'monthly', dayOfMonth: 31 } },
        { credits: '1', refill: { amount: '1', interval: 'daily' }, creditsActive: false },
        { ipAllowlist: ['10.0.0.0/8', '::1'], environment: 'development', projects: ['default'] },
        { expiresAt: h.clock.now() + 86_400_000, scopes: ['read', 'write:*'] },
      ];
      for (let i = 0; i < 24; i++) {
        await ok({
          method: 'POST',
          url: '/v1/tokens',
          as,
          payload: { name: `fuzz victim ${i}`, type: ['api', 'personal'][i % 2], ...kinds[i % kinds.length] },
        });
      }
      const issueBody = JSON.stringify({ tokens: [{ environment: 'development', projects: ['default'] }] });
      const issued = await h.request({
        method: 'POST',
        url: '/edge/issue-token',
        headers: {
          'content-type': 'application/json',
          ...signed('POST', '/edge/issue-token', issueBody, 'none', { now: () => h.clock.now(), nonces: 0 } as World),
        },
        payload: issueBody,
      });
      assert.equal(issued.statusCode, 200, issued.body);
      // That nonce (nonce-0) is taken: a request that uses it again is a replay.

      Object.assign(world, {
        secrets: { admin: h.admin, member: member.secret, scoped: scoped.secret, api: api.secret, revoked: revoked.secret, reader: reader.token },
        clientIds: { admin: whoami.token.id, scoped: scoped.token.id, revoked: revoked.token.id },
        protectedIds: [whoami.token.id, reader.id, scoped.token.id],
        ids: [],
        readerConfig: config.id,
        now: () => h.clock.now(),
        nonces: 1,
        victimReader: (await ok({ method: 'POST', url: `/v1/edge-config/${config.id}/token`, as, payload: { label: 'fuzz victim reader' } })).token,
        names: ['fuzz-team', 'fuzz-config', 'fuzz-eden', 'a', 'b', 'development', 'default', 'fuzz member personal'],
      } satisfies World);
      assert.match(whoami.token.id, /^tok_/, 'whoami names the admin token');
      assert.match(reader.id, /^tok_/, 'the reader is named');
      for (const url of ['/v1/tokens?limit=200', '/v1/users', '/v1/teams']) harvest(world, await ok({ method: 'GET', url, as }));
      harvest(world, [config.id, member.id, reservation.reservationId]);
      base = await h.app.listen({ host: '127.0.0.1', port: 0 });
      const observe = h.services.metrics.observeRequest.bind(h.services.metrics);
      h.services.metrics.observeRequest = (method, route, code, seconds) => {
        routes.push(route);
        observe(method, route, code, seconds);
      };
    });

    for (const op of OPERATIONS) {
      it(op.key, async () => {
        const offenders: Offender[] = [];
        const statuses: Record<number, number> = {};
        let snapshot = await storeSnapshot(h, known());
        const samples = fc.sample(plans(op), { seed: seedOf(op.key), numRuns: RUNS });
        for (const plan of samples) {
          if (plan.advanceMs > 0) {
            h.clock.advance(plan.advanceMs);
            // What time alone changes is no request's doing: the sweep a server runs on an interval
            // refunds the reservations that ran out (a settlement that finds one does it itself).
            await h.services.credits.expireDue();
            snapshot = await storeSnapshot(h, known());
          }
          const options = requestOf(op, plan, world);
          // The plain verifications a server answers beside Fastify (fast-verify/install-fast-verify.ts) are
          // reached only over a socket: those are sent both ways.
          for (const via of op.key === 'POST /v1/verify' ? (['inject', 'http'] as const) : (['inject'] as const)) {
            const request = `${via === 'http' ? 'over HTTP: ' : ''}${describeRequest(options)}`;
            routes.length = 0;
            let res: Answer;
            try {
              res = via === 'http' ? await overHttp(base, options) : op.stream ? await injectStream(h.app, options) : await h.app.inject(options);
            } catch (error) {
              // A request Node's HTTP client will not write is no request a server sees.
              if (via === 'http' && /ERR_UNESCAPED_CHARACTERS|ERR_INVALID_CHAR|ERR_INVALID_HTTP_TOKEN/.test(String((error as { code?: string }).code)))
                continue;
              offenders.push({ rule: `${via} threw`, request, status: 0, answer: String(error) });
              continue;
            }
            // The metrics hook runs as the answer finishes; let it.
            await new Promise((resolve) => setImmediate(resolve));
            const answer = cut(res.body, 300);
            statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
            if (res.statusCode >= 500) offenders.push({ rule: '5xx', request, status: res.statusCode, answer });
            if (res.statusCode >= 400 && res.statusCode < 500) {
              const api = expectedApi(op, plan, options, routes[0], res.statusCode);
              const problem = shapeProblem(api, res, String(options.method));
              if (problem) offenders.push({ rule: `error shape (${api} via ${routes[0]}): ${problem}`, request, status: res.statusCode, answer });
            }
            if (res.statusCode < 300 && res.body) {
              try {
                harvest(world, JSON.parse(res.body));
              } catch {
                // Not every success is JSON (HEAD, 204).
              }
            }
            if (STATE_CHANGING.has(String(options.method)) || CHARGES_ON_EVERY_METHOD.test(op.path)) {
              const after = await storeSnapshot(h, known());
              if (res.statusCode >= 400 && after !== snapshot) {
                offenders.push({ rule: `a refused request changed the store (${whatChanged(snapshot, after)})`, request, status: res.statusCode, answer });
              }
              snapshot = after;
            }
          }
        }
        // Reads are not compared one by one (a snapshot each would be slow): none of them may have changed anything.
        const end = await storeSnapshot(h, known());
        if (end !== snapshot) assert.fail(`${op.key}: a GET, HEAD or OPTIONS request changed the store (${whatChanged(snapshot, end)})`);
        // How deep the requests got (a fuzzer that only ever meets 400 tests the validator): TESSERA_FUZZ_STATS=1.
        if (process.env.TESSERA_FUZZ_STATS) console.log(op.key, JSON.stringify(statuses));
        if (offenders.length > 0) assert.fail(`${op.key}: ${offenders.length} of ${samples.length} requests broke a rule\n${report(offenders)}`);
      });
    }
  },
  { edgeClients: new Map([[EDGE_CLIENT.id, EDGE_CLIENT.secret]]) },
);
