import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
// Formats (date-time, …) are part of the vendors' contracts, so they are checked too.
const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));

/** Asserts a body matches a vendor schema, naming every violation. */
export function assertMatches(schema: object, body: unknown, what: string): void {
  const validate = ajv.compile(schema);
  assert.ok(validate(body), `${what} breaks the vendor schema: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`);
}

/** Asserts a vendor schema refuses a body: a 400 case must be one the vendor's own reference calls invalid. */
export function assertViolates(schema: object, body: unknown, what: string): void {
  const validate = ajv.compile(schema);
  assert.equal(validate(body), false, `${what} should break the vendor schema but matches it:\n${JSON.stringify(body)}`);
}
