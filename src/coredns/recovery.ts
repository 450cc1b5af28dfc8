/**
 * What install does, before anything else, about the change a previous run
 * left behind (./change-record.ts): a process that died mid-rollout — a
 * leader that lost its lease, a SIGKILL, a node gone — leaves a `pending`
 * record, and the next run (a new leader, a re-engage, the CLI) must not
 * take the stanza it finds for a working one. It checks the CoreDNS
 * Deployment as `kubectl rollout status` does (./rollout.ts
 * deploymentHealth) and, when our change is what broke it, puts the
 * previous Corefile back. A Corefile someone edited since our write is
 * theirs: kept, only reported. Pure: the caller reads and carries out.
 */
import type * as k8s from '@kubernetes/client-node';
import { corefileHash, readChangeRecord, type ChangeRecord } from './change-record.js';
import { RESTARTED_AT, deploymentHealth } from './rollout.js';

export interface RecoveryObservation {
  configMap: k8s.V1ConfigMap;
  /** undefined: absent or unreadable; its health cannot be judged. */
  deployment: k8s.V1Deployment | undefined;
  /** Wall-clock now, epoch ms: the record's time was written by another process. */
  nowMs: number;
  /** How long a rollout may take (the same timeout install waits with). */
  timeoutMs: number;
}

export type RecoveryAction =
  /** Nothing of ours to check, and CoreDNS healthy (or nothing to judge). */
  | { action: 'none'; reason: string }
  /** CoreDNS is not healthy, but not from a change of ours we can undo: said, not touched. */
  | { action: 'report'; reason: string }
  /** Our pending change rolled out healthy: mark the record verified. */
  | { action: 'confirm'; reason: string }
  /** Our rollout is still within its time: follow it for `forMs`, then decide again. */
  | { action: 'wait'; reason: string; forMs: number }
  /**
   * Put `previous` back. `undoRestart`: the restartedAt value we set, still on
   * the pod template, to undo as rollback does. `then`: `stop` when the change
   * failed (install does not redo it), `reinstall` when it never reached the
   * pods (the rollout never started), so install plans it again from scratch.
   */
  | { action: 'restore'; reason: string; previous: string; undoRestart: string | undefined; then: 'stop' | 'reinstall' };

/** Decides from what was read; pure. */
export function decideRecovery(obs: RecoveryObservation): RecoveryAction {
  const record = readChangeRecord(obs.configMap);
  const health = obs.deployment ? deploymentHealth(obs.deployment) : undefined;
  const unhealthy = health && health.state !== 'healthy' ? health.reason : undefined;
  const notOurs = (why: string): RecoveryAction =>
    unhealthy ? { action: 'report', reason: `CoreDNS is not healthy (${unhealthy}), and ${why}: left alone` } : { action: 'none', reason: why };

  if (record === undefined) return notOurs('no change of ours is recorded on the ConfigMap');
  if (record.state !== 'pending') return notOurs(`our last change was ${record.state}`);
  const corefile = obs.configMap.data?.['Corefile'] ?? '';
  if (corefileHash(corefile) !== record.wrote) return notOurs('the Corefile was edited after our last change, so it is not ours to roll back');
  if (obs.deployment === undefined || health === undefined) return { action: 'report', reason: 'our last change was not seen healthy, and the CoreDNS Deployment cannot be read to judge it' };
  return judgePending(record, obs.deployment, health, obs);
}

function judgePending(record: ChangeRecord, d: k8s.V1Deployment, health: ReturnType<typeof deploymentHealth>, obs: RecoveryObservation): RecoveryAction {
  const template = d.spec?.template.metadata?.annotations?.[RESTARTED_AT];
  const ours = record.restartedAt !== undefined && template === record.restartedAt;
  const restore = (reason: string, then: 'stop' | 'reinstall'): RecoveryAction => ({ action: 'restore', reason, previous: record.previous, undoRestart: ours ? record.restartedAt : undefined, then });
  // RFC 3339 times in UTC compare as strings. An older (or no) restart than ours: ours never happened.
  if (record.restartedAt !== undefined && !ours && (template === undefined || template < record.restartedAt)) {
    return restore(`our last change was written at ${record.at} but its rollout never started, so the pods never loaded it`, 'reinstall');
  }
  if (health.state === 'healthy') return { action: 'confirm', reason: `our change of ${record.at} rolled out: ${health.reason}` };
  if (health.state === 'failed') return restore(`our change of ${record.at} did not roll out: ${health.reason}`, 'stop');
  const deadline = Date.parse(record.at) + obs.timeoutMs;
  const left = Number.isNaN(deadline) ? 0 : deadline - obs.nowMs;
  if (left > 0) return { action: 'wait', reason: `our change of ${record.at} is still rolling out: ${health.reason}`, forMs: left };
  return restore(`our change of ${record.at} was not healthy within ${Math.round(obs.timeoutMs / 1000)}s: ${health.reason}`, 'stop');
}
