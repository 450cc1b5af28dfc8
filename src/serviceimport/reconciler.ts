/**
 * One pass for one ServiceImport key: read caches → snapshot → decide → write.
 * Level-based and idempotent, as controller-runtime's reconcilers are: it
 * writes only what differs from the caches, and a thrown error makes the
 * queue retry the key with backoff, from fresh cache state.
 */
import type { Logger } from 'pino';
import { apiErrorMessage, httpStatusOf, isConflict } from '../kube/errors.js';
import { buildSnapshot } from './build-snapshot.js';
import type { Caches } from '../karmada/caches.js';
import { decide, sameIps, type Decision } from './decide.js';
import type { EventRecorder, EventTarget } from './events.js';
import { problemsToReport, type ProblemLedger } from './problems.js';
import { overridePolicyName, policyMatches } from './overridepolicy.js';
import { DEFAULT_LOCAL_FIRST, type LocalFirstConfig, type LocalFirstState, type Mode } from './localfirst.js';
import type { Snapshot } from './snapshot.js';
import type { Writer } from './writer.js';

export interface ReconcilerHooks {
  /** Seconds spent in buildSnapshot + decide (clusterset_dns_decision_duration_seconds). */
  decisionSeconds?: (s: number) => void;
  /** A local-first switch happened (clusterset_dns_local_first_switches_total). */
  localFirstSwitch?: (to: Mode) => void;
}

export interface LocalFirstOptions {
  /** --local-first: on for every ServiceImport unless its annotation says otherwise. */
  flag: boolean;
  config: LocalFirstConfig;
}

export interface ReconcilerOptions {
  caches: Caches;
  writer: Writer;
  /** Where Events go; recorded without waiting (src/serviceimport/events.ts). */
  events: EventRecorder;
  log: Logger;
  hooks?: ReconcilerHooks;
  localFirst?: LocalFirstOptions;
  /** The clock of local-first's debounce and hold-down and of problems' grace periods. */
  now?: () => number;
}

/** What the queue should do next with the key (controller-runtime's Result). */
export interface ReconcileResult {
  decision: Decision;
  /** Look again after this long: a local-first debounce or hold-down, or a problem's grace period, ends. */
  requeueAfterMs?: number;
}

export class Reconciler {
  /** Problems seen and reported per key: events fire once per problem, after its grace (problems.ts). */
  private readonly problems = new Map<string, ProblemLedger>();
  /** Local-first state per key and member; in memory (a restart starts over: local if healthy). */
  private readonly lfStates = new Map<string, Record<string, LocalFirstState>>();
  private readonly caches: Caches;
  private readonly writer: Writer;
  private readonly events: EventRecorder;
  private readonly log: Logger;
  private readonly hooks: ReconcilerHooks;
  private readonly localFirst: LocalFirstOptions;
  private readonly now: () => number;

  constructor(o: ReconcilerOptions) {
    this.caches = o.caches;
    this.writer = o.writer;
    this.events = o.events;
    this.log = o.log;
    this.hooks = o.hooks ?? {};
    this.localFirst = o.localFirst ?? { flag: false, config: DEFAULT_LOCAL_FIRST };
    this.now = o.now ?? Date.now;
  }

  async reconcile(namespace: string, name: string): Promise<ReconcileResult> {
    const t0 = process.hrtime.bigint();
    const snapshot = buildSnapshot(this.caches, namespace, name);
    const k = `${namespace}/${name}`;
    const now = this.now();
    const decision = decide(snapshot, {
      flag: this.localFirst.flag,
      config: this.localFirst.config,
      now,
      states: this.lfStates.get(k) ?? {},
    });
    this.hooks.decisionSeconds?.(Number(process.hrtime.bigint() - t0) / 1e9);
    const log = this.log.child({ namespace, name });
    const cp = snapshot.controlPlane.serviceImport;
    const cpSi = this.caches.controlPlane.serviceImports.get(namespace, name);
    const involved = cp ? { namespace, name, uid: cp.uid } : undefined;

    const problems = problemsToReport(this.problems.get(k), decision.problems, now);
    // Reported problems are a subset of those seen: an empty firstSeen means no problem at all.
    if (Object.keys(problems.ledger.firstSeen).length > 0) this.problems.set(k, problems.ledger);
    else this.problems.delete(k);
    for (const p of problems.report) {
      log.warn({ reason: p.reason, cluster: p.cluster }, p.message);
      if (involved) this.events.record(involved, 'Warning', p.reason, p.message);
    }
    // Commit local-first state before writing: a failed write is retried with the same mode.
    if (decision.localFirst) this.lfStates.set(k, decision.localFirst.states);
    else this.lfStates.delete(k);
    for (const sw of decision.localFirst?.switches ?? []) {
      this.hooks.localFirstSwitch?.(sw.to);
      const message = sw.to === 'derived'
        ? `${sw.cluster}: no ready local endpoints for ${namespace}/${name}; failing over to derived-${name}`
        : `${sw.cluster}: local ${namespace}/${name} ready for the whole hold-down; failing back to it`;
      log.info({ cluster: sw.cluster, from: sw.from, to: sw.to }, 'local-first switch');
      if (involved) this.events.record(involved, sw.to === 'derived' ? 'Warning' : 'Normal', sw.to === 'derived' ? 'FailedOver' : 'FailedBack', message);
    }
    const modes: Record<string, string> = {};
    for (const i of decision.importers) if (i.mode && i.route === 'override-policy') modes[i.cluster] = i.mode;

    // 1. Karmada-managed importers: the OverridePolicy (D3).
    if (decision.overrideRules !== undefined && cp) {
      const policyName = overridePolicyName(name);
      const current = this.caches.controlPlane.overridePolicies.get(namespace, policyName);
      const before = snapshot.controlPlane.overrideRules ?? {};
      if (decision.overrideRules === null) {
        if (current) {
          await this.write(log, involved, () => this.writer.deleteOverridePolicy(namespace, policyName));
          log.info({ policy: policyName }, 'deleted OverridePolicy: no managed importer needs spec.ips');
        }
      } else if (!current || !policyMatches(current, namespace, { name, uid: cp.uid }, decision.overrideRules, modes)) {
        await this.write(log, involved, () => this.writer.applyOverridePolicy(namespace, { name, uid: cp.uid }, decision.overrideRules ?? {}, modes));
        log.info({ policy: policyName, rules: decision.overrideRules, had: current ? snapshot.controlPlane.overrideRules : null }, 'applied OverridePolicy');
      }
      const after = decision.overrideRules ?? {};
      for (const cluster of new Set([...Object.keys(before), ...Object.keys(after)])) {
        const was = before[cluster] ?? [];
        const now = after[cluster] ?? [];
        if (!sameIps(was, now)) this.ipsChanged(log, involved, cluster, was, now, `OverridePolicy ${policyName}`);
      }
    }

    // 2. Unmanaged importers: patched in the member.
    for (const i of decision.importers) {
      if (i.route !== 'direct' || i.ips === 'keep' || sameIps(i.ips, i.current)) continue;
      const ips = i.ips;
      const rv = this.caches.members().find((m) => m.cluster === i.cluster)?.serviceImports.get(namespace, name)?.metadata.resourceVersion;
      await this.write(log.child({ cluster: i.cluster }), involved, () => this.writer.patchMemberIps(i.cluster, namespace, name, ips, rv, i.mode));
      this.ipsChanged(log, involved, i.cluster, i.current, ips, 'a direct patch');
    }

    // 3. status.clusters of the control-plane ServiceImport.
    if (decision.statusClusters && cp && !sameIps(decision.statusClusters, cp.statusClusters)) {
      const clusters = decision.statusClusters;
      await this.write(log, involved, () => this.writer.patchStatusClusters(namespace, name, clusters, cpSi?.metadata.resourceVersion));
      log.info({ clusters, had: cp.statusClusters }, 'updated status.clusters');
    }
    const after = [decision.localFirst?.recheckAfterMs, problems.recheckAfterMs].filter((x): x is number => x !== undefined);
    return { decision, ...(after.length > 0 ? { requeueAfterMs: Math.min(...after) } : {}) };
  }

  /** The snapshot reconcile() would decide on (for doctor and tests). */
  snapshot(namespace: string, name: string): Snapshot {
    return buildSnapshot(this.caches, namespace, name);
  }

  private async write(log: Logger, involved: EventTarget | undefined, f: () => Promise<unknown>): Promise<void> {
    try {
      await f();
    } catch (e) {
      const msg = apiErrorMessage(e);
      const code = httpStatusOf(e);
      if (isConflict(e)) {
        log.debug({ err: msg }, 'conflict; retrying from fresh state');
      } else {
        log.error({ err: msg }, 'write failed');
        // A forbidden or invalid write needs a human; say so where they look.
        if (involved && (code === 403 || code === 422 || code === 404)) {
          this.events.record(involved, 'Warning', code === 403 ? 'WriteForbidden' : 'WriteFailed', msg);
        }
      }
      throw e;
    }
  }

  private ipsChanged(log: Logger, involved: EventTarget | undefined, cluster: string, was: string[], now: string[], via: string): void {
    const fmt = (x: string[]) => (x.length ? x.join(',') : 'none');
    const message = `${cluster}: spec.ips ${fmt(was)} → ${fmt(now)} (through ${via})`;
    log.info({ cluster, from: was, to: now }, 'spec.ips changed');
    if (involved) this.events.record(involved, 'Normal', 'IPsChanged', message);
  }
}
