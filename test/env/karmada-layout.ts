/**
 * The local environment's kubeconfigs in Karmada's layout, as
 * hack/local-up-karmada.sh writes them, so tools made for a Karmada install
 * (hack/e2e.sh: `KUBECONFIG_PATH=.cache/env/kube hack/e2e.sh`) run here too:
 *
 *   .cache/env/kube/karmada.config   contexts karmada-apiserver and karmada-host
 *   .cache/env/kube/members.config   one context per member (member1, member2)
 *
 * There is no host cluster here: Karmada's components run as local
 * processes. `karmada-host` points at the Karmada API server, the one API
 * server that holds the control plane's `karmada-system` namespace: what
 * reads it (the e2e check's pod-restart comparison) finds no pods there,
 * which is the truth about this environment, and says so. A member would be
 * the wrong stand-in: a member is not where Karmada runs, and writing there
 * as if it were the host would mix the two roles.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kubeConfigYaml } from './kube.js';
import { KARMADA_CONTEXT, access, type EnvState } from './state.js';

export const HOST_CONTEXT = 'karmada-host';

/** The folder to give as KUBECONFIG_PATH. */
export const karmadaLayoutDir = (state: EnvState) => join(state.dir, 'kube');

/** The two files' contents (admin credentials; local use only). */
export function karmadaLayoutFiles(state: EnvState): { 'karmada.config': string; 'members.config': string } {
  const karmada = access(state, KARMADA_CONTEXT);
  const members = Object.keys(state.members).sort().map((m) => access(state, m));
  return {
    'karmada.config': kubeConfigYaml([karmada, { ...karmada, name: HOST_CONTEXT }], KARMADA_CONTEXT),
    'members.config': kubeConfigYaml(members, members[0]?.name ?? ''),
  };
}

/** Writes them (again: idempotent), readable by the owner only; returns the folder. */
export function writeKarmadaLayout(state: EnvState): string {
  const dir = karmadaLayoutDir(state);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(karmadaLayoutFiles(state))) writeFileSync(join(dir, file), text, { mode: 0o600 });
  return dir;
}
