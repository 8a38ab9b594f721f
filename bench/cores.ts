/**
 * Where the benchmark's processes run. On a machine of few cores the server and the load
 * generator otherwise take turns on the same cores, and how the scheduler happens to place
 * them (and the server's GC threads) moves the figures more than the code does. Pinned, the
 * server under test — the baseline or tessera, each in turn — has the first core to itself and
 * the load generator (this process) the last, so both are measured on the same footing.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

export interface Pinning {
  /** The command prefix that starts a server on its core. */
  server: string[];
  /** What the report says about it. */
  description: string;
}

/** Pins this process (every thread) to the last core and returns how to start servers on the first; undefined when it cannot. */
export function pinCores(): { pinning?: Pinning; reason?: string } {
  const cores = availableParallelism();
  if (cores < 2) return { reason: 'one core: nothing to pin apart' };
  const last = String(cores - 1);
  const self = spawnSync('taskset', ['--all-tasks', '--cpu-list', '--pid', last, String(process.pid)], { stdio: 'ignore' });
  if (self.error || self.status !== 0) return { reason: 'taskset (util-linux) is not available' };
  return {
    pinning: {
      server: ['taskset', '--cpu-list', '0'],
      description: `the server under test on core 0, the load generator on core ${last} (taskset)`,
    },
  };
}
