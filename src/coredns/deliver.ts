/**
 * Getting a written Corefile to the pods: planned before the first write
 * (planRollout, pure), carried out after it (deliver). When CoreDNS would not
 * reload the file itself the Deployment is rolled out and followed; a rollout
 * that does not become healthy puts the previous Corefile back byte for byte
 * and rolls the Deployment back (docs/coredns.md, "Reload, rollout and
 * rollback"). The Deployment patches and the health verdicts are rollout.ts's;
 * this file owns the order and the ConfigMap restore, and keeps the change
 * record (./change-record.ts) in step: verified once healthy, rolled-back
 * once the previous Corefile is back. Stopping mid-wait (the `signal`) writes
 * nothing and throws RolloutWaitAborted: the record stays pending for the
 * next run to judge (./recovery.ts).
 */
import * as k8s from '@kubernetes/client-node';
import { makeClient } from '../kube/client.js';
import { fail, ok, type Result } from '../api/result.js';
import { apiErrorMessage, isConflict } from '../kube/errors.js';
import type { ChangeRecord } from './change-record.js';
import type { Flavor } from './corefile/index.js';
import type { CoreDnsLocation } from './location.js';
import { writeCorefile, type Read } from './objects.js';
import {
  DEFAULT_ROLLOUT_TIMEOUT_MS,
  decideRollout,
  deploymentHealth,
  restartDeployment,
  RolloutWaitAborted,
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

/** A Corefile just written, and what to say and record about it. */
export interface WrittenChange {
  /** The ConfigMap as the write returned it (its resourceVersion guards the next write). */
  written: k8s.V1ConfigMap;
  /** The Corefile before the change: what a rollback puts back. */
  previous: string;
  /** Names the change in messages: "install", "uninstall". */
  what: string;
  /** The record written with it; its restartedAt is the value the rollout sets. Absent: none is kept. */
  record?: ChangeRecord | undefined;
}

/**
 * After the ConfigMap holds the new Corefile: roll out when the plan says
 * so, wait for the Deployment, and on failure put the previous Corefile back
 * byte for byte and undo the rollout.
 */
export async function deliver(kc: k8s.KubeConfig, loc: CoreDnsLocation, plan: RolloutPlan | undefined, change: WrittenChange, signal?: AbortSignal): Promise<Delivered> {
  if (plan === undefined) return { kind: 'delivered', rollout: undefined };
  const apps = makeClient(kc, k8s.AppsV1Api);
  const ref: DeploymentRef = { namespace: loc.namespace, name: loc.deployment };
  const { decision, options } = plan;
  if (!decision.rollout) return { kind: 'delivered', rollout: await reloadReport(apps, ref, plan) };
  const at = change.record?.restartedAt !== undefined ? new Date(change.record.restartedAt) : new Date();
  const rolled = await rollOut(apps, ref, options, change.what, at, signal);
  if (rolled.ok) {
    await markRecord(kc, loc, change, 'verified');
    return { kind: 'delivered', rollout: { mode: options.mode, action: 'restarted', reason: decision.reason, deployment: rolled.value } };
  }
  return rollBack(kc, loc, options, change, rolled, signal);
}

/**
 * Best effort: a record left pending is only looked at again by the next
 * run, which finds the rollout healthy and confirms it. A 409 means someone
 * edited the ConfigMap since our write; their Corefile no longer matches the
 * record, so the record no longer speaks for it either.
 */
async function markRecord(kc: k8s.KubeConfig, loc: CoreDnsLocation, change: WrittenChange, state: 'verified'): Promise<void> {
  if (change.record === undefined) return;
  await writeCorefile(makeClient(kc, k8s.CoreV1Api), loc, change.written, change.written.data?.['Corefile'] ?? '', { ...change.record, state }).catch(() => undefined);
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

/**
 * Restarts the Deployment (restartedAt = `at`, the value the change record
 * names) and waits: its healthy state, or why not and the restart to undo
 * (if it started). An aborted wait is rethrown, not a failure to undo.
 */
async function rollOut(apps: k8s.AppsV1Api, ref: DeploymentRef, options: RolloutOptions, what: string, at: Date, signal: AbortSignal | undefined): Promise<Result<string, { restart: Restart | undefined }>> {
  let restart: Restart | undefined;
  try {
    restart = await onConflictRetry(async () => restartDeployment(apps, ref, await apps.readNamespacedDeployment(ref), at));
    const h = await waitForDeployment(apps, ref, options.timeoutMs ?? DEFAULT_ROLLOUT_TIMEOUT_MS, options.pollMs, signal);
    if (h.state === 'healthy') return ok(`healthy: ${h.reason}`);
    return { ...fail(`the CoreDNS rollout after ${what} did not become healthy: ${h.reason}`), restart };
  } catch (e) {
    if (e instanceof RolloutWaitAborted) throw e;
    const why = restart ? `the CoreDNS rollout after ${what} could not be followed: ${apiErrorMessage(e)}` : `could not start the CoreDNS rollout after ${what}: ${apiErrorMessage(e)}`;
    return { ...fail(why), restart };
  }
}

/** Rolls back after a failed rollout: the Corefile first (new pods must read the old one), then the pod template. */
async function rollBack(kc: k8s.KubeConfig, loc: CoreDnsLocation, options: RolloutOptions, change: WrittenChange, failed: { reason: string; restart: Restart | undefined }, signal: AbortSignal | undefined): Promise<RolledBack | RollbackFailed> {
  const apps = makeClient(kc, k8s.AppsV1Api);
  const ref: DeploymentRef = { namespace: loc.namespace, name: loc.deployment };
  const { reason: failure, restart } = failed;
  const { written, previous, record } = change;
  try {
    await writeCorefile(makeClient(kc, k8s.CoreV1Api), loc, written, previous, record ? { ...record, state: 'rolled-back' } : undefined);
  } catch (e) {
    // 409: someone edited the ConfigMap after our write. Their Corefile is kept, not overwritten with ours or the old one.
    const why = isConflict(e) ? 'someone changed the ConfigMap after our write, and their edit is not overwritten' : `putting the previous Corefile back failed too (${apiErrorMessage(e)})`;
    return {
      kind: 'failed',
      message: `${failure}; ConfigMap ${loc.namespace}/${loc.configMap}: ${why}, so the Corefile there${restart ? ' and the rollout' : ''} are still in place — check it, and restore previousCorefile (in --output json) by hand if it is ours`,
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
  const after = await waitForDeployment(apps, ref, options.timeoutMs ?? DEFAULT_ROLLOUT_TIMEOUT_MS, options.pollMs, signal);
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
