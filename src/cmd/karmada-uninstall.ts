/**
 * `clusterset-dns karmada uninstall`, the I/O half: lists the control plane
 * and every member reached as `doctor` reaches them (./internal/members.ts),
 * warns when the controller's Lease is held, plans
 * (./karmada-uninstall-plan.ts, pure), then carries the plan out one step at
 * a time, in its order, and prints the report. A step that fails is
 * reported and the rest still run: each step stands alone, and what is left
 * is what a second run picks up.
 */
import type * as k8s from '@kubernetes/client-node';
import { RetentionClient, type Deleted } from '../karmada/retention-client.js';
import { apiErrorMessage, isConflict, isNotFound } from '../kube/errors.js';
import type { Io } from './internal/io.js';
import { findMembers } from './internal/members.js';
import type { KarmadaCommand } from './karmada.js';
import { formatUninstall, importPatch, liveLeaderWarning, planUninstall, uninstallExitCode, uninstallJson, type Step, type StepOutcome, type UninstallInput } from './karmada-uninstall-plan.js';

const PREFIX = 'clusterset-dns karmada uninstall';

export async function runUninstall(cmd: KarmadaCommand, cp: k8s.KubeConfig, io: Io): Promise<number> {
  const controlPlane = new RetentionClient(cp, cmd.timeoutMs);
  // Listed before the Lease is read: a control plane that does not answer is one error, not a warning and then the error.
  const [customizations, policies, templates, namespaces, propagationPolicies, serviceExports] = await Promise.all([
    controlPlane.listCustomizations(),
    controlPlane.listOverridePolicies(),
    controlPlane.listServiceImports(),
    controlPlane.listNamespaces(),
    controlPlane.listPropagationPolicies(),
    // No ServiceExport CRD in the control plane: no sentinel was ever made there.
    controlPlane.listServiceExports().catch((e: unknown) => {
      if (isNotFound(e)) return [];
      throw e;
    }),
  ]);
  const found = await findMembers({ kind: 'karmada', kubeconfig: cmd.kubeconfig, context: cmd.context, clusters: 'all', memberAccess: cmd.memberAccess });
  const clients = new Map<string, RetentionClient>();
  const members: UninstallInput['members'] = await Promise.all(found.members.map(async (m): Promise<UninstallInput['members'][number]> => {
    if ('error' in m) return m;
    const client = new RetentionClient(m.kc, cmd.timeoutMs);
    clients.set(m.cluster, client);
    try {
      return { cluster: m.cluster, imports: await client.listServiceImports() };
    } catch (e) {
      // No ServiceImport CRD in the member: nothing of ours can be there.
      if (isNotFound(e)) return { cluster: m.cluster, imports: [] };
      return { cluster: m.cluster, error: `cannot list ServiceImports: ${apiErrorMessage(e)}` };
    }
  }));
  await warnIfControllerRuns(cmd, controlPlane, io);

  const plan = planUninstall({ customizations, policies, templates, members, namespaces, propagationPolicies, serviceExports });
  const print = (outcomes: readonly StepOutcome[] | 'dry-run') => {
    if (cmd.output === 'json') io.stdout(JSON.stringify(uninstallJson(plan, outcomes), null, 2) + '\n');
    else io.stdout(formatUninstall(plan, outcomes) + (outcomes === 'dry-run' ? 'dry run: nothing was changed.\n' : ''));
    return uninstallExitCode(plan, outcomes);
  };
  if (cmd.dryRun) return print('dry-run');
  const outcomes: StepOutcome[] = [];
  for (const step of plan.steps) outcomes.push(await carryOut(step, controlPlane, clients));
  return print(outcomes);
}

async function warnIfControllerRuns(cmd: KarmadaCommand, client: RetentionClient, io: Io): Promise<void> {
  const { namespace, name } = cmd.lease;
  try {
    const warning = liveLeaderWarning({ namespace, name, holder: await client.readLease(namespace, name) }, Date.now());
    if (warning) io.stderr(`${PREFIX}: warning: ${warning}\n`);
  } catch (e) {
    io.stderr(`${PREFIX}: warning: cannot read Lease ${namespace}/${name} (${apiErrorMessage(e)}); make sure the controller is stopped, or it re-creates what uninstall removes.\n`);
  }
}

const done = (d: Deleted): 'done' | 'gone' => (d === 'deleted' ? 'done' : 'gone');

async function carryOut(step: Step, controlPlane: RetentionClient, members: ReadonlyMap<string, RetentionClient>): Promise<StepOutcome> {
  try {
    switch (step.kind) {
      case 'import': {
        const client = members.get(step.cluster);
        if (!client) return { step, result: 'failed', message: `no client for ${step.cluster}` };
        await client.patchServiceImport(step.namespace, step.name, importPatch(step));
        return { step, result: 'done' };
      }
      case 'policy':
        return { step, result: done(await controlPlane.deleteOverridePolicy(step)) };
      case 'customization':
        return { step, result: done(await controlPlane.deleteCustomization(step)) };
      case 'auto-policy':
        return { step, result: done(await controlPlane.deletePropagationPolicy(step)) };
      case 'auto-import':
        return { step, result: done(await controlPlane.deleteServiceImport(step)) };
      case 'auto-export':
        return { step, result: done(await controlPlane.deleteServiceExport(step)) };
      case 'namespace':
        return { step, result: done(await controlPlane.deleteNamespace(step)) };
    }
  } catch (e) {
    if (step.kind === 'import' && isNotFound(e)) return { step, result: 'gone' };
    if (isConflict(e)) return { step, result: 'failed', message: 'it changed since it was read (is the controller still running?); run uninstall again' };
    return { step, result: 'failed', message: apiErrorMessage(e) };
  }
}
