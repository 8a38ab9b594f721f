import { isIP } from 'node:net';
import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function makeAjv(options: Options): Ajv {
  const ajv = new Ajv({ allErrors: false, useDefaults: true, removeAdditional: false, strict: false, ...options });
  addFormats(ajv);
  // An IPv4 or IPv6 address, as Node reads one: what allowlists check and the guessing guard counts.
  ajv.addFormat('ip', (text: string) => isIP(text) !== 0);
  return ajv;
}

/**
 * Bodies are validated as sent (no coercion, unknown properties rejected by the schemas);
 * query strings and path parameters arrive as text, so those coerce to the declared types.
 */
export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = makeAjv({ coerceTypes: false });
  const coercing = makeAjv({ coerceTypes: 'array' });
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema as object);
}
