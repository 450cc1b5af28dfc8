/**
 * Getting a changed Corefile into the running CoreDNS, checking that CoreDNS
 * survives it, and undoing the change when it does not (docs/coredns.md,
 * "Reload, rollout and rollback").
 *
 * The decisions are pure and table-tested (reloadCoverage, decideRollout,
 * deploymentHealth, rolloutPrecondition); the async functions only patch and
 * read the Deployment. Putting the previous Corefile back is deliver.ts's job,
 * since it owns the order of the ConfigMap write and the rollout.
 */
import * as k8s from '@kubernetes/client-node';
import { apiErrorMessage } from '../kube/errors.js';
import { withDeadline } from '../kube/timeout.js';
import { CorefileParseError, directiveArgs, parse, serverBlocks, serverKeys, type Directive } from './corefile/index.js';
import type { RolloutMode } from './rollout-mode.js';

export interface RolloutOptions {
  mode: RolloutMode;
  /** How long a rollout (and the rollback's rollout) may take to converge. Default 2 minutes. */
  timeoutMs?: number;
  /** How often the Deployment is read while waiting. Default 1 s. */
  pollMs?: number;
}

export const DEFAULT_ROLLOUT_TIMEOUT_MS = 120_000;

/** What `kubectl rollout restart` sets, and Cilium's auto-configure job too: a pod-template change that replaces every pod. */
export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

// ---------------------------------------------------------------------------
// Pure decisions

export type ReloadCoverage = { reload: true; where: string } | { reload: false; why: string };

/**
 * Whether running CoreDNS picks this Corefile up by itself. CoreDNS v1.14's
 * reload plugin is process-wide: setup registers one watcher (a sync.Once in
 * plugin/reload/setup.go) that re-reads and reloads the whole Corefile, so a
 * `reload` directly in any server block — or in a snippet it imports —
 * covers every block, including the one we changed. A `reload` inside another
 * plugin's block (k3s's `hosts { reload 15s }`) is that plugin's option, not
 * the reload plugin. A file import (`import custom/*.override`) may hold one,
 * but we cannot see it, so it does not count: when unsure, roll out. Pure.
 */
export function reloadCoverage(corefile: string): ReloadCoverage {
  let cf;
  try {
    cf = parse(corefile);
  } catch (e) {
    return { reload: false, why: `the Corefile does not parse (${e instanceof CorefileParseError ? e.message : String(e)})` };
  }
  const snippets = new Map<string, readonly Directive[]>();
  for (const item of cf.items) if (item.kind === 'snippet') snippets.set(item.name, item.body);
  const fileImports: string[] = [];
  // Snippets may import snippets; `seen` stops a cycle (CoreDNS itself rejects one).
  const findReload = (body: readonly Directive[], seen: Set<string>): Directive | undefined => {
    for (const d of body) {
      if (d.name.value === 'reload') return d;
      if (d.name.value !== 'import') continue;
      const target = directiveArgs(d)[0]?.value;
      if (target === undefined) continue;
      const snippet = snippets.get(target);
      if (snippet === undefined) fileImports.push(target);
      else if (!seen.has(target)) {
        const found = findReload(snippet, new Set([...seen, target]));
        if (found) return found;
      }
    }
    return undefined;
  };
  for (const block of serverBlocks(cf)) {
    const found = findReload(block.body, new Set());
    if (found) return { reload: true, where: `\`reload\` on line ${found.name.line} (server block ${serverKeys(block).join(' ')})` };
  }
  const imports = [...new Set(fileImports)];
  return {
    reload: false,
    why: `no server block has the reload plugin${imports.length > 0 ? ` (imported files ${imports.join(', ')} are not visible from the ConfigMap, so they do not count)` : ''}`,
  };
}

export interface RolloutDecision {
  rollout: boolean;
  reason: string;
}

/** Restart the CoreDNS pods after the Corefile changes? Pure. */
export function decideRollout(mode: RolloutMode, corefile: string): RolloutDecision {
  if (mode === 'never') return { rollout: false, reason: '--rollout=never: the pods pick the Corefile up only through reload or their next restart' };
  if (mode === 'always') return { rollout: true, reason: '--rollout=always' };
  const cov = reloadCoverage(corefile);
  return cov.reload
    ? { rollout: false, reason: `CoreDNS reloads the Corefile itself: ${cov.where}` }
    : { rollout: true, reason: `${cov.why}, so the pods must be restarted` };
}

export type HealthState = 'progressing' | 'healthy' | 'failed';

export interface DeploymentHealth {
  state: HealthState;
  reason: string;
}

/**
 * Where a Deployment's rollout stands, with the same tests as
 * `kubectl rollout status`: the controller has seen the latest spec
 * (observedGeneration >= generation), every replica is updated and available,
 * no old replica is left, and the Progressing condition has not given up
 * (ProgressDeadlineExceeded). A paused Deployment never progresses, so it
 * counts as failed. Pure.
 */
export function deploymentHealth(d: k8s.V1Deployment): DeploymentHealth {
  const name = `Deployment ${d.metadata?.namespace ?? '?'}/${d.metadata?.name ?? '?'}`;
  const generation = d.metadata?.generation ?? 0;
  const s = d.status ?? {};
  if (d.spec?.paused) return { state: 'failed', reason: `${name} is paused, so no rollout progresses` };
  if ((s.observedGeneration ?? 0) < generation) {
    return { state: 'progressing', reason: `${name}: the deployment controller has not yet observed generation ${generation} (observed ${s.observedGeneration ?? 'none'})` };
  }
  const progressing = s.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return { state: 'failed', reason: `${name}: ProgressDeadlineExceeded${progressing.message ? ` (${progressing.message})` : ''}` };
  }
  const want = d.spec?.replicas ?? 1;
  const updated = s.updatedReplicas ?? 0;
  const total = s.replicas ?? 0;
  const available = s.availableReplicas ?? 0;
  if (updated < want) return { state: 'progressing', reason: `${name}: ${updated} of ${want} replicas updated` };
  if (total > updated) return { state: 'progressing', reason: `${name}: ${total - updated} old replicas pending termination` };
  if (available < updated) return { state: 'progressing', reason: `${name}: ${available} of ${updated} updated replicas available` };
  return { state: 'healthy', reason: `${name}: ${available} of ${want} replicas updated and available` };
}

/**
 * A rollout is only worth verifying on a Deployment that was healthy before
 * it: on one already failing or mid-rollout, "not ready afterwards" would
 * blame — and roll back — a change that had nothing to do with it. Pure.
 */
export function rolloutPrecondition(d: k8s.V1Deployment): { ok: true } | { ok: false; reason: string } {
  const h = deploymentHealth(d);
  if (h.state === 'healthy') return { ok: true };
  return { ok: false, reason: `a rollout cannot be verified on a CoreDNS Deployment that is not healthy before it (${h.reason}); let it settle or fix it first, or pass --rollout=never` };
}

// ---------------------------------------------------------------------------
// I/O: restart, wait, undo

const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

export interface Restart {
  /** The annotation's value before we set it (undefined: there was none). */
  previous: string | undefined;
  /** The value we set. */
  value: string;
}

export interface DeploymentRef {
  namespace: string;
  name: string;
}

/** The pod template's annotation patch, guarded by the resourceVersion we read: a concurrent edit fails with 409 instead of being overwritten. */
function annotationPatch(resourceVersion: string | undefined, value: string | null): object {
  return { metadata: { resourceVersion }, spec: { template: { metadata: { annotations: { [RESTARTED_AT]: value } } } } };
}

/** Sets the restartedAt annotation, as `kubectl rollout restart` does. */
export async function restartDeployment(apps: k8s.AppsV1Api, ref: DeploymentRef, d: k8s.V1Deployment, now: Date): Promise<Restart> {
  const previous = d.spec?.template.metadata?.annotations?.[RESTARTED_AT];
  // RFC 3339 like kubectl; the milliseconds make two restarts in one second differ.
  const value = now.toISOString();
  await apps.patchNamespacedDeployment({ ...ref, body: annotationPatch(d.metadata?.resourceVersion, value) }, merge);
  return { previous, value };
}

/**
 * Puts the annotation back as it was, so the pod template equals the previous
 * ReplicaSet's again and the deployment controller scales that one back up
 * (what `kubectl rollout undo` achieves). Left alone, with the reason, when
 * someone restarted the Deployment after us: their rollout is not ours to undo.
 */
export async function undoRestart(apps: k8s.AppsV1Api, ref: DeploymentRef, r: Restart): Promise<{ undone: true } | { undone: false; reason: string }> {
  const d = await apps.readNamespacedDeployment(ref);
  const now = d.spec?.template.metadata?.annotations?.[RESTARTED_AT];
  if (now !== r.value) return { undone: false, reason: `the pod template's ${RESTARTED_AT} is ${JSON.stringify(now ?? null)}, not the ${JSON.stringify(r.value)} we set: someone else changed it, so their rollout was left alone` };
  await apps.patchNamespacedDeployment({ ...ref, body: annotationPatch(d.metadata?.resourceVersion, r.previous ?? null) }, merge);
  return { undone: true };
}

/** Waiting for a rollout was cut short by `signal` (SIGTERM, lease lost): nothing was judged, nothing undone. */
export class RolloutWaitAborted extends Error {
  override readonly name = 'RolloutWaitAborted';
}

const READ_TIMEOUT_MS = 15_000;

/**
 * Reads the Deployment until it is healthy or failed, or `timeoutMs` passes
 * (then failed, with where it was stuck). A read error is retried until the
 * deadline and then reported: a flaky API server must not look like a bad
 * Corefile, but it must not hang us either; each read has its own deadline.
 * `signal` ends the wait at once with RolloutWaitAborted: a process that is
 * stopping must not judge (or undo) a rollout it did not see through; the
 * change record it leaves pending lets the next run do that
 * (./recovery.ts).
 */
export async function waitForDeployment(apps: k8s.AppsV1Api, ref: DeploymentRef, timeoutMs: number, pollMs = 1000, signal?: AbortSignal): Promise<DeploymentHealth> {
  const deadline = Date.now() + timeoutMs;
  let last: DeploymentHealth = { state: 'progressing', reason: 'not read yet' };
  const aborted = () => new RolloutWaitAborted(`stopped waiting for Deployment ${ref.namespace}/${ref.name}: ${String(signal?.reason ?? 'aborted')}`);
  for (;;) {
    if (signal?.aborted) throw aborted();
    try {
      last = deploymentHealth(await withDeadline(`read Deployment ${ref.namespace}/${ref.name}`, READ_TIMEOUT_MS, (o) => apps.readNamespacedDeployment(ref, o)));
      if (last.state !== 'progressing') return last;
    } catch (e) {
      last = { state: 'progressing', reason: `cannot read Deployment ${ref.namespace}/${ref.name}: ${apiErrorMessage(e)}` };
    }
    if (Date.now() >= deadline) return { state: 'failed', reason: `not healthy within ${Math.round(timeoutMs / 1000)}s: ${last.reason}` };
    await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())), signal);
  }
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
