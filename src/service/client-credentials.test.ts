import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../core/errors.js';
import { clientCredentialsOf } from './client-credentials.js';

const basic = (text: string | Buffer) => `Basic ${Buffer.from(text).toString('base64')}`;

describe('OAuth client credentials from an Authorization header', () => {
  it('reads none, a bearer token, and Basic credentials decoded as RFC 6749 §2.3.1 encodes them', () => {
    assert.equal(clientCredentialsOf(undefined), undefined);
    assert.deepEqual(clientCredentialsOf('Bearer tsr_abc'), { kind: 'bearer', secret: 'tsr_abc' });
    assert.deepEqual(clientCredentialsOf('bearer   tsr_abc '), { kind: 'bearer', secret: 'tsr_abc' });
    assert.deepEqual(clientCredentialsOf(basic('tok_1:tsr_2')), { kind: 'basic', clientId: 'tok_1', secret: 'tsr_2' });
    // Each part is form-urlencoded before the two are joined: a colon in the id is %3A, a space is +.
    assert.deepEqual(clientCredentialsOf(basic('a%3Ab+c:s%3At:u')), { kind: 'basic', clientId: 'a:b c', secret: 's:t:u' });
    assert.deepEqual(clientCredentialsOf(`BASIC ${Buffer.from('i:s').toString('base64')}`), { kind: 'basic', clientId: 'i', secret: 's' });
  });

  it('refuses what it cannot read as UNAUTHORIZED, never as a credential', () => {
    const bad = [
      '',
      'Bearer',
      'Bearer a b',
      'Token x',
      'tsr_bare',
      'Basic',
      'Basic !!!',
      basic('no colon'),
      basic(':secret'),
      basic('id:'),
      basic('id%zz:secret'),
      basic('id%00:secret'),
      basic(Buffer.from([0x69, 0xff, 0x3a, 0x73])),
      basic(`id:${'s'.repeat(2000)}`),
    ];
    for (const header of bad) {
      assert.throws(
        () => clientCredentialsOf(header),
        (error: unknown) => error instanceof AppError && error.code === 'UNAUTHORIZED',
        JSON.stringify(header),
      );
    }
  });
});
