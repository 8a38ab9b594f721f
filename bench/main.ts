/** `npm run bench [-- scenario…]`: every scenario, or the ones named. */
import { benchCharges } from './charges.js';
import { benchCluster } from './cluster.js';

const SCENARIOS: Record<string, () => Promise<void>> = { charges: benchCharges, cluster: benchCluster };

const wanted = process.argv.slice(2);
for (const name of wanted.length > 0 ? wanted : Object.keys(SCENARIOS)) {
  const run = SCENARIOS[name];
  if (!run) {
    console.error(`unknown scenario ${name}; known: ${Object.keys(SCENARIOS).join(', ')}`);
    process.exit(2);
  }
  await run();
}
