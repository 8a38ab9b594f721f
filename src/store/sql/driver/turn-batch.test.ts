import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TurnBatch } from './turn-batch.js';

/** A batch over a fixed table, recording the keys of every read. */
function batchOver(table: Record<string, number>, fail = false) {
  const reads: string[][] = [];
  const batch = new TurnBatch<string, number>(
    async (keys) => {
      reads.push(keys);
      if (fail) throw new Error('store away');
      return new Map(keys.filter((key) => key in table).map((key) => [key, table[key]!]));
    },
    (key) => key,
  );
  return { batch, reads };
}

describe('TurnBatch', () => {
  it('reads what one turn asks for in one read, each key once, and answers each asker', async () => {
    const { batch, reads } = batchOver({ a: 1, b: 2 });
    const answers = await Promise.all(['a', 'b', 'a', 'missing'].map((key) => batch.get(key)));
    assert.deepEqual(answers, [1, 2, 1, undefined]);
    assert.deepEqual(reads, [['a', 'b', 'missing']]);
  });

  it('reads again for what a later turn asks', async () => {
    const { batch, reads } = batchOver({ a: 1, b: 2 });
    assert.equal(await batch.get('a'), 1);
    assert.equal(await batch.get('b'), 2);
    assert.deepEqual(reads, [['a'], ['b']]);
  });

  it('fails every asker of a read that failed, and reads again next turn', async () => {
    const { batch, reads } = batchOver({ a: 1 }, true);
    const answers = await Promise.allSettled([batch.get('a'), batch.get('b')]);
    assert.deepEqual(
      answers.map((answer) => answer.status === 'rejected' && (answer.reason as Error).message),
      ['store away', 'store away'],
    );
    await assert.rejects(batch.get('a'), /store away/);
    assert.equal(reads.length, 2);
  });
});
