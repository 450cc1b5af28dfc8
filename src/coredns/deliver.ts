/**
 * Getting a written Corefile to the pods: planned before the first write
 * (planRollout, pure), carried out after it (deliver). When CoreDNS would not
 * reload the file itself the Deployment is rolled out and followed; a rollout
 * that does not become healthy puts the previous Corefile back byte for byte
 * and rolls the Deployment back (docs/coredns.md, "Reload, rollout and
 * rollback"). The Deployment patches and the health verdicts are rollout.ts's;
 * this file owns the order and the ConfigMap restore.
 */
import * as k8s from '@kubernetes/client-node';
import { makeClient } from '../kube/client.js';
import { fail, ok, type Result } from '../api/result.js';
import { apiErrorMessage, isConflict } from '../kube/errors.js';
import type { Flavor } from './corefile/index.js';
import type { CoreDnsLocation } from './location.js';
import { writeCorefile, type Read } from './objects.js';
import {
  DEFAULT_ROLLOUT_TIMEOUT_MS,
  decideRollout,
  deploymentHealth,
  restartDeployment,
  rolloutPrecondition,
  undoRestart,
  waitForDeployment,
  type DeploymentRef,
  type Restart,
  type RolloutDecision,
  type RolloutOptions,
} from './rollout.js';
import type { RolloutMode } from './rollout-mode.js';

/** How a written Corefile reached CoreDNS. */
export interface RolloutReport {
  mode: RolloutMode;
  /** restarted: rolled out and healthy; reload: left to the reload plugin; none: --rollout=never. */
  action: 'restarted' | 'reload' | 'none';
  reason: string;
  /** The Deployment's state when we were done: after the rollout, or (reload/none) as read right after the write — information, not a verdict. */
  deployment?: string;
}

/** The rollout did not become healthy; the previous Corefile is back and the Deployment rolled back. */
export type RolledBack = { kind: 'rolled-back'; message: string; reason: string; flavor?: Flavor };

/** The rollout failed and so did putting the previous Corefile back: `previousCorefile` is what to restore by hand. */
export type RollbackFailed = { kind: 'failed'; message: string; previousCorefile: string };

/** What deliver did: the change reached CoreDNS (with how, when there were rollout options), or it was undone. */
export type Delivered = { kind: 'delivered'; rollout: RolloutReport | undefined } | RolledBack | RollbackFailed;

/** What to do about the pods once the Corefile is written, decided before any write. */
export type RolloutPlan = { decision: RolloutDecision; options: RolloutOptions; deployment: k8s.V1Deployment | undefined };

/**
 * Decides the rollout and checks it can be verified; pure. `deployment` is
 * what was read (undefined when absent). A refusal here comes before any write.
 */
export function planRollout(options: RolloutOptions | undefined, corefile: string, deployment: Read<k8s.V1Deployment> | undefined): RolloutPlan | { refused: string } | undefined {
  if (options === undefined) return undefined;
  const decision = decideRollout(options.mode, corefile);
  const d = deployment?.ok ? deployment.value : undefined;
  if (decision.rollout) {
    if (!deployment?.ok) return { refused: `refused before changing anything: the pods must be restarted (${decision.reason}), but ${deployment?.reason ?? 'the Deployment was not read'}` };
    const pre = rolloutPrecondition(deployment.value);
    if (!pre.ok) return { refused: `refused before changing anything: ${pre.reason}` };
  }
  return { decision, options, deployment: d };
}

/**
 * After the ConfigMap holds the new Corefile (`written`): roll out when the
 * plan says so, wait for the Deployment, and on failure put `previous` back
 * byte for byte and undo the rollout. `what` names the change in messages.
 */
export async function deliver(kc: k8s.KubeConfig, loc: CoreDnsLocation, plan: RolloutPlan | undefined, written: k8s.V1ConfigMap, previous: string, what: string): Promise<Delivered> {
  if (plan === undefined) return { kind: 'delivered', rollout: undefined };
  const apps = makeClient(kc, k8s.AppsV1Api);
  const ref: DeploymentRef = { namespace: loc.namespace, name: loc.deployment };
  const { decision, options } = plan;
  if (!decision.rollout) return { kind: 'delivered', rollout: await reloadReport(apps, ref, plan) };
  const rolled = await rollOut(apps, ref, options, what);
  if (rolled.ok) return { kind: 'delivered', rollout: { mode: options.mode, action: 'restarted', reason: decision.reason, deployment: rolled.value } };
  return rollBack(kc, loc, options, written, previous, rolled);
}

/**
 * No pods restart, so there is nothing to wait for: the reload plugin applies
 * the file 30-90 s later and keeps the old configuration if the new one fails
 * to load. Only the Deployment's state as it is now is reported
 * (docs/coredns.md, "With reload").
 */
async function reloadReport(apps: k8s.AppsV1Api, ref: DeploymentRef, plan: RolloutPlan): Promise<RolloutReport> {
  const { decision, options } = plan;
  let deployment: string | undefined;
  if (plan.deployment) {
    const h = await apps.readNamespacedDeployment(ref).then(deploymentHealth, (e: unknown) => ({ state: 'unknown', reason: apiErrorMessage(e) }));
    deployment = `${h.state}: ${h.reason}`;
  }
  return { mode: options.mode, action: options.mode === 'never' ? 'none' : 'reload', reason: decision.reason, ...(deployment ? { deployment } : {}) };
}

/** Restarts the Deployment and waits: its healthy state, or why not and the restart to undo (if it started). */
async function rollOut(apps: k8s.AppsV1Api, ref: DeploymentRef, options: RolloutOptions, what: string): Promise<Result<string, { restart: Restart | undefined }>> {
  let restart: Restart | undefined;
  try {
    restart = await onConflictRetry(async () => restartDeployment(apps, ref, await apps.readNamespacedDeployment(ref), new Date()));
    const h = await waitForDeployment(apps, ref, options.timeoutMs ?? DEFAULT_ROLLOUT_TIMEOUT_MS, options.pollMs);
    if (h.state === 'healthy') return ok(`healthy: ${h.reason}`);
    return { ...fail(`the CoreDNS rollout after ${what} did not become healthy: ${h.reason}`), restart };
  } catch (e) {
    const why = restart ? `the CoreDNS rollout after ${what} could not be followed: ${apiErrorMessage(e)}` : `could not start the CoreDNS rollout after ${what}: ${apiErrorMessage(e)}`;
    return { ...fail(why), restart };
  }
}

/** Rolls back after a failed rollout: the Corefile first (new pods must read the old one), then the pod template. */
async function rollBack(kc: k8s.KubeConfig, loc: CoreDnsLocation, options: RolloutOptions, written: k8s.V1ConfigMap, previous: string, failed: { reason: string; restart: Restart | undefined }): Promise<RolledBack | RollbackFailed> {
  const apps = makeClient(kc, k8s.AppsV1Api);
  const ref: DeploymentRef = { namespace: loc.namespace, name: loc.deployment };
  const { reason: failure, restart } = failed;
  try {
    await writeCorefile(makeClient(kc, k8s.CoreV1Api), loc, written, previous);
  } catch (e) {
    return {
      kind: 'failed',
      message: `${failure}; putting the previous Corefile back into ConfigMap ${loc.namespace}/${loc.configMap} failed too (${apiErrorMessage(e)}), so the new Corefile${restart ? ' and the rollout' : ''} are still in place — restore previousCorefile (in --output json) by hand`,
      previousCorefile: previous,
    };
  }
  let undone = 'there was no rollout to undo';
  if (restart) {
    try {
      const u = await onConflictRetry(() => undoRestart(apps, ref, restart));
      undone = u.undone ? 'rolled the Deployment back to its previous pod template' : `did not undo the rollout: ${u.reason}`;
    } catch (e) {
      undone = `could not undo the rollout (${apiErrorMessage(e)}); the pods will restart with the previous Corefile anyway`;
    }
  }
  const after = await waitForDeployment(apps, ref, options.timeoutMs ?? DEFAULT_ROLLOUT_TIMEOUT_MS, options.pollMs);
  return {
    kind: 'rolled-back',
    reason: failure,
    message: `${failure}; restored the previous Corefile byte for byte and ${undone}; after the rollback the Deployment is ${after.state === 'healthy' ? 'healthy' : `${after.state}: ${after.reason}`}`,
  };
}

/** A 409 from a status update racing our patch is retried with a fresh read; anything else is the caller's. */
async function onConflictRetry<T>(f: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await f();
    } catch (e) {
      if (!isConflict(e) || i >= attempts) throw e;
    }
  }
}
