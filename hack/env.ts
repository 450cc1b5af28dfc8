/**
 * `npm run env:up | env:down | env:status` — the local Karmada federation.
 * See docs/local-environment.md.
 */
import { describe, down, readState, up, check, karmadaLayoutDir } from '../test/env/environment.js';

async function main(cmd: string | undefined): Promise<number> {
  switch (cmd) {
    case 'up': {
      const state = await up();
      console.log(describe(state));
      console.log(`\nexport KUBECONFIG=${state.kubeconfig}`);
      console.log(`# Karmada's layout (karmada.config, members.config), for hack/e2e.sh: KUBECONFIG_PATH=${karmadaLayoutDir(state)}`);
      for (const [name, m] of Object.entries(state.members)) console.log(`# ${name}: API ${m.server}, DNS ${m.dns}`);
      return 0;
    }
    case 'down':
      await down();
      return 0;
    case 'status': {
      const state = readState();
      if (!state) {
        console.log('local environment is not running');
        return 1;
      }
      console.log(describe(state));
      const problems = await check(state);
      for (const p of problems) console.log(`problem: ${p}`);
      return problems.length === 0 ? 0 : 1;
    }
    default:
      console.error('usage: tsx hack/env.ts up|down|status');
      return 2;
  }
}

main(process.argv[2]).then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  },
);
