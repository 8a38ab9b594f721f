import assert from 'node:assert/strict';
import { Ajv } from 'ajv';

const ajv = new Ajv({ strict: false, allErrors: true });

/** Asserts a body matches a vendor schema, naming every violation. */
export function assertMatches(schema: object, body: unknown, what: string): void {
  const validate = ajv.compile(schema);
  assert.ok(validate(body), `${what} breaks the vendor schema: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`);
}
