/**
 * Carries out decideRecovery (./recovery.ts) for one member before install
 * plans anything: reads the ConfigMap and the Deployment, follows a rollout
 * a previous run left in flight, confirms it, or puts the previous Corefile
 * back and undoes our restart, as rollback does. Every wait is bounded by the
 * rollout timeout and ends at once when `signal` aborts.
 */
import * as k8s from '@kubernetes/client-node';
import { makeClient } from '../kube/client.js';
import { apiErrorMessage, isConflict } from '../kube/errors.js';
import type { ChangeRecord } from './change-record.js';
import { readChangeRecord } from './change-record.js';
import type { CoreDnsLocation } from './location.js';
import { readConfigMap, readDeployment, writeCorefile } from './objects.js';
import { decideRecovery } from './recovery.js';
import { DEFAULT_ROLLOUT_TIMEOUT_MS, undoRestart, waitForDeployment, type DeploymentRef, type RolloutOptions } from './rollout.js';

export type Recovered =
  /** Nothing to do; `warning` when CoreDNS is unhealthy for a reason that is not ours to undo. */
  | { kind: 'none'; warning?: string }
  | { kind: 'confirmed'; message: string }
  /** The previous Corefile is back. `then`: whether install should plan the change again (it never reached the pods) or stop. */
  | { kind: 'restored'; message: string; reason: string; then: 'stop' | 'reinstall' }
  | { kind: 'restore-failed'; message: string; previousCorefile: string };

/** At most: follow the rollout once, then judge it. */
const MAX_ROUNDS = 3;

export async function recoverLastChange(kc: k8s.KubeConfig, loc: CoreDnsLocation, options: RolloutOptions | undefined, signal?: AbortSignal): Promise<Recovered> {
  const core = makeClient(kc, k8s.CoreV1Api);
  const apps = makeClient(kc, k8s.AppsV1Api);
  const ref: DeploymentRef = { namespace: loc.namespace, name: loc.deployment };
  const timeoutMs = options?.timeoutMs ?? DEFAULT_ROLLOUT_TIMEOUT_MS;
  for (let round = 1; ; round++) {
    const [cm, dep] = await Promise.all([readConfigMap(core, loc), readDeployment(apps, loc)]);
    // Unreadable: install reads again and refuses with the reason.
    if (!cm.ok) return { kind: 'none' };
    const record = readChangeRecord(cm.value);
    const d = decideRecovery({ configMap: cm.value, deployment: dep.ok ? dep.value : undefined, nowMs: Date.now(), timeoutMs });
    switch (d.action) {
      case 'none':
        return { kind: 'none' };
      case 'report':
        return { kind: 'none', warning: d.reason };
      case 'confirm':
        // Best effort, as after a rollout: a record still pending is confirmed by the next run.
        await writeCorefile(core, loc, cm.value, cm.value.data?.['Corefile'] ?? '', record && { ...record, state: 'verified' }).catch(() => undefined);
        return { kind: 'confirmed', message: d.reason };
      case 'wait':
        if (round >= MAX_ROUNDS) return { kind: 'none', warning: d.reason };
        await waitForDeployment(apps, ref, d.forMs, options?.pollMs, signal);
        continue;
      case 'restore':
        return restore(kc, loc, cm.value, record as ChangeRecord, d, options, signal);
    }
  }
}

async function restore(kc: k8s.KubeConfig, loc: CoreDnsLocation, cm: k8s.V1ConfigMap, record: ChangeRecord, d: { reason: string; previous: string; undoRestart: string | undefined; then: 'stop' | 'reinstall' }, options: RolloutOptions | undefined, signal: AbortSignal | undefined): Promise<Recovered> {
  const apps = makeClient(kc, k8s.AppsV1Api);
  const ref: DeploymentRef = { namespace: loc.namespace, name: loc.deployment };
  try {
    await writeCorefile(makeClient(kc, k8s.CoreV1Api), loc, cm, d.previous, { ...record, state: 'rolled-back' });
  } catch (e) {
    // 409: edited since we read it; the next attempt reads again, and an edit by someone else is theirs.
    const why = isConflict(e) ? 'the ConfigMap changed while we looked; the next attempt reads it again' : apiErrorMessage(e);
    return { kind: 'restore-failed', message: `${d.reason}; putting the previous Corefile back into ConfigMap ${loc.namespace}/${loc.configMap} failed (${why})`, previousCorefile: d.previous };
  }
  let undone = '';
  if (d.undoRestart !== undefined) {
    const u = await undoRestart(apps, ref, { previous: record.restartedBefore, value: d.undoRestart }).catch((e: unknown) => ({ undone: false as const, reason: apiErrorMessage(e) }));
    undone = u.undone ? ' and rolled the Deployment back to its previous pod template' : ` (did not undo the rollout: ${u.reason})`;
    const after = await waitForDeployment(apps, ref, options?.timeoutMs ?? DEFAULT_ROLLOUT_TIMEOUT_MS, options?.pollMs, signal);
    undone += `; after that the Deployment is ${after.state === 'healthy' ? 'healthy' : `${after.state}: ${after.reason}`}`;
  }
  return { kind: 'restored', reason: d.reason, then: d.then, message: `a previous run's change did not hold — ${d.reason}; restored the Corefile from before it${undone}` };
}
