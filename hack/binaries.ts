/**
 * `npm run binaries`: builds (or finds) every binary the local environment
 * runs and prints where each one is (test/env/binaries.ts), and installs the
 * Debian packages its data plane and the tests of it use, when missing
 * (test/env/dataplane/netns.ts).
 */
import { ensureBinaries } from '../test/env/binaries.js';
import { ensureDataPlaneTools } from '../test/env/dataplane/netns.js';

try {
  // The test tools too: `npm test` runs this first, so every test finds its binaries built.
  const found = await ensureBinaries(undefined, { testTools: true });
  for (const [k, v] of Object.entries(found)) console.log(`${k.padEnd(30)} ${v}`);
  // Before any test: the pod network and process kubelet tests in the unit suite need them too.
  await ensureDataPlaneTools((l) => console.error(l));
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
}
