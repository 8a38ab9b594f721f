import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sharedJson, sharedString } from './shared-values.js';

describe('shared values of token rows', () => {
  it('reads empty lists and objects as one frozen instance, which a change cannot reach', () => {
    const a = sharedJson<string[]>('[]');
    const b = sharedJson<string[]>('[]');
    assert.equal(a, b);
    assert.ok(Object.isFrozen(a));
    assert.throws(() => a.push('x'), TypeError);
    assert.deepEqual(sharedJson('[]'), []);
    const meta = sharedJson<Record<string, unknown>>('{}');
    assert.equal(meta, sharedJson('{}'));
    assert.throws(() => {
      meta.team = 'x';
    }, TypeError);
    assert.deepEqual(sharedJson('{}'), {});
  });

  it('parses anything else into a value of its own', () => {
    const a = sharedJson<string[]>('["read"]');
    const b = sharedJson<string[]>('["read"]');
    assert.deepEqual(a, ['read']);
    assert.notEqual(a, b);
    a.push('write');
    assert.deepEqual(b, ['read']);
    assert.deepEqual(sharedJson('{"plan":"pro"}'), { plan: 'pro' });
    assert.deepEqual(sharedJson('[ ]'), []);
  });

  it('returns the text it is given, for values kept before, new ones and those past its bound alike', () => {
    assert.equal(sharedString(['a', 'p', 'i'].join('')), 'api');
    assert.equal(sharedString('api'), 'api');
    for (let i = 0; i < 5000; i++) assert.equal(sharedString(`value-${i}`), `value-${i}`);
    assert.equal(sharedString('value-3'), 'value-3');
    assert.equal(sharedString('value-4999'), 'value-4999');
  });
});
