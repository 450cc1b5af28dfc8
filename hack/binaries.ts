/**
 * `npm run binaries`: builds (or finds) every binary the local environment
 * runs and prints where each one is. The work is test/env/binaries.ts's.
 */
import { ensureBinaries } from '../test/env/binaries.js';

try {
  // The test tools too: `npm test` runs this first, so every test finds its binaries built.
  const found = await ensureBinaries(undefined, { testTools: true });
  for (const [k, v] of Object.entries(found)) console.log(`${k.padEnd(30)} ${v}`);
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
}
