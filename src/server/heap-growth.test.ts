import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { HEAP_GROWING_PERCENT, heapGrowthFlag, servingExecArgv } from './heap-growth.js';

/** Whether this Node takes `flag` on its command line: setFlagsFromString ignores a flag V8 does not know, Node's command line refuses it. */
const nodeTakes = (flag: string) => spawnSync(process.execPath, [flag, '-e', ''], { encoding: 'utf8' }).status === 0;

describe('heapGrowthFlag', () => {
  it("asks V8 to grow the heap by half of what is live, with a flag this Node's V8 knows", () => {
    const flag = heapGrowthFlag(['--enable-source-maps']);
    assert.equal(flag, `--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    assert.ok(HEAP_GROWING_PERCENT > 0 && HEAP_GROWING_PERCENT < 300);
    assert.ok(nodeTakes(flag!), `node refuses ${flag}`);
    assert.ok(!nodeTakes('--heap-growing-percentage=50'), 'a flag V8 does not know is refused');
  });

  it("leaves a value given on Node's command line alone, spelled either way", () => {
    assert.equal(heapGrowthFlag(['--heap-growing-percent=200']), undefined);
    assert.equal(heapGrowthFlag(['--heap_growing_percent=10']), undefined);
    assert.equal(heapGrowthFlag(['--heap-growing-percent', '10']), undefined);
    assert.equal(heapGrowthFlag(['--heap-growing-percentage=10']), '--heap-growing-percent=50');
  });

  it('goes on the command line: npm start passes it, and a serving process adds it to its arguments when they lack one', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } };
    assert.ok(pkg.scripts.start.includes(heapGrowthFlag([])!), pkg.scripts.start);
    assert.deepEqual(servingExecArgv(['--enable-source-maps']), ['--enable-source-maps', `--heap-growing-percent=${HEAP_GROWING_PERCENT}`]);
    assert.deepEqual(servingExecArgv(['--heap-growing-percent=80']), ['--heap-growing-percent=80']);
  });
});
