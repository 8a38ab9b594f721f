import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { atTurnEnd, turnEnd, TurnQueue } from './turn.js';

describe('turn', () => {
  it('runs once this turn is done, its promises included', async () => {
    const order: string[] = [];
    atTurnEnd(() => order.push('turn end'));
    void Promise.resolve().then(() => order.push('microtask'));
    order.push('now');
    await turnEnd();
    assert.deepEqual(order, ['now', 'microtask', 'turn end']);
  });

  it('hands over what one turn pushed together, in order, and starts afresh', async () => {
    const handed: number[][] = [];
    const queue = new TurnQueue<number>((items) => handed.push(items));
    queue.push(1);
    queue.push(2);
    queue.push(3);
    assert.deepEqual(handed, [], 'nothing before the turn ends');
    await turnEnd();
    queue.push(4);
    await turnEnd();
    assert.deepEqual(handed, [[1, 2, 3], [4]]);
  });
});
