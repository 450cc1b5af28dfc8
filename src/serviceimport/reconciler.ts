/**
 * One pass for one ServiceImport key: snapshot → decide → plan → apply.
 * buildSnapshot reads the caches, decide() says what every importer's
 * spec.ips must be, plan() turns that into the writes and Events this pass
 * needs (none when nothing changed), and apply walks them. Level-based and
 * idempotent, as controller-runtime's reconcilers are: a thrown error makes
 * the queue retry the key with backoff, from fresh cache state.
 */
import type { Logger } from 'pino';
import { apiErrorMessage, httpStatusOf, isConflict } from '../kube/errors.js';
import { CallCancelled } from '../kube/timeout.js';
import { reconcileLogger, withContext } from '../runtime/logging.js';
import { buildSnapshot } from './build-snapshot.js';
import type { Caches } from '../karmada/caches.js';
import { decide, type Decision } from './decide.js';
import type { EventRecorder, EventTarget } from './events.js';
import type { ProblemLedger } from './problems.js';
import { overridePolicyName } from './overridepolicy.js';
import { DEFAULT_LOCAL_FIRST, type LocalFirstConfig, type LocalFirstState, type Mode } from './localfirst.js';
import { isWrite, plan, type Notice, type Plan, type Write } from './plan.js';
import type { ManagedRoute } from './route.js';
import { WriteFenced, type Writer } from './writer.js';

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

/** The writes a reconcile makes (the Writer; tests pass a fake). */
export type ReconcileWriter = Pick<Writer, 'applyOverridePolicy' | 'deleteOverridePolicy' | 'patchMemberIps' | 'releaseMember' | 'patchStatusClusters'>;

export interface ReconcilerOptions {
  caches: Caches;
  writer: ReconcileWriter;
  /** Where Events go; recorded without waiting (src/serviceimport/events.ts). */
  events: EventRecorder;
  log: Logger;
  hooks?: ReconcilerHooks;
  localFirst?: LocalFirstOptions;
  /** The clock of local-first's debounce and hold-down and of problems' grace periods. */
  now?: () => number;
  /** How Karmada-managed importers are written now (route.ts); OverridePolicies when not given. */
  managedRoute?: () => ManagedRoute;
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
  private readonly writer: ReconcileWriter;
  private readonly events: EventRecorder;
  private readonly log: Logger;
  private readonly hooks: ReconcilerHooks;
  private readonly localFirst: LocalFirstOptions;
  private readonly now: () => number;
  private readonly managedRoute: () => ManagedRoute;

  constructor(o: ReconcilerOptions) {
    this.caches = o.caches;
    this.writer = o.writer;
    this.events = o.events;
    this.log = o.log;
    this.hooks = o.hooks ?? {};
    this.localFirst = o.localFirst ?? { flag: false, config: DEFAULT_LOCAL_FIRST };
    this.now = o.now ?? Date.now;
    this.managedRoute = o.managedRoute ?? (() => 'override-policy');
  }

  /** Every key's problems ledger, as of its last pass (clusterset_dns_problems reads them). */
  problemLedgers(): Iterable<ProblemLedger> {
    return this.problems.values();
  }

  /**
   * `log` is this reconcile's logger (the controller makes one per key it
   * picks up, carrying a reconcileID); without one, a fresh one is made.
   */
  async reconcile(namespace: string, name: string, log: Logger = reconcileLogger(this.log, { namespace, name })): Promise<ReconcileResult> {
    const t0 = process.hrtime.bigint();
    const snapshot = buildSnapshot(this.caches, namespace, name, this.managedRoute());
    const k = `${namespace}/${name}`;
    const now = this.now();
    const decision = decide(snapshot, {
      flag: this.localFirst.flag,
      config: this.localFirst.config,
      now,
      states: this.lfStates.get(k) ?? {},
    });
    this.hooks.decisionSeconds?.(Number(process.hrtime.bigint() - t0) / 1e9);
    const p = plan(snapshot, decision, { problems: this.problems.get(k) }, now);
    // Kept before writing: a failed write is retried with the same local-first
    // mode, and a problem already reported is not reported again.
    this.remember(k, p);
    await this.apply(p, log);
    return { decision, ...(p.requeueAfterMs !== undefined ? { requeueAfterMs: p.requeueAfterMs } : {}) };
  }

  private remember(k: string, p: Plan): void {
    if (p.problems) this.problems.set(k, p.problems);
    else this.problems.delete(k);
    if (p.localFirst) this.lfStates.set(k, p.localFirst);
    else this.lfStates.delete(k);
  }

  /** Takes the steps in order; a failed write throws and so ends the pass. */
  private async apply(p: Plan, log: Logger): Promise<void> {
    for (const step of p.steps) {
      if (isWrite(step)) await this.write(step, log, p.eventTarget);
      else this.tell(step, log);
    }
  }

  private tell(n: Notice, log: Logger): void {
    switch (n.kind) {
      case 'problem':
        log.warn({ reason: n.problem.reason, cluster: n.problem.cluster }, n.problem.message);
        break;
      case 'local-first-switch':
        this.hooks.localFirstSwitch?.(n.to);
        log.info({ cluster: n.cluster, from: n.from, to: n.to }, 'local-first switch');
        break;
      case 'ips-changed':
        log.info({ cluster: n.cluster, from: n.from, to: n.to }, 'spec.ips changed');
        break;
    }
    if (n.event) this.events.record(n.event.involved, n.event.type, n.event.reason, n.event.message);
  }

  private async write(w: Write, log: Logger, target: EventTarget | undefined): Promise<void> {
    try {
      await this.send(w);
    } catch (e) {
      const wlog = w.kind === 'patch-member-ips' || w.kind === 'release-member' ? withContext(log, { cluster: w.cluster }) : log;
      const msg = apiErrorMessage(e);
      const code = httpStatusOf(e);
      if (isConflict(e)) {
        wlog.debug({ err: msg }, 'conflict; retrying from fresh state');
      } else if (e instanceof WriteFenced) {
        wlog.warn({ err: msg }, 'write withheld: this replica may not write now');
      } else if (e instanceof CallCancelled) {
        // Stopping: the next leader decides again from its own caches.
        wlog.info({ err: msg }, 'write cancelled');
      } else {
        wlog.error({ err: msg }, 'write failed');
        // A forbidden or invalid write needs a human; say so where they look.
        if (target && (code === 403 || code === 422 || code === 404)) {
          this.events.record(target, 'Warning', code === 403 ? 'WriteForbidden' : 'WriteFailed', msg);
        }
      }
      throw e;
    }
    switch (w.kind) {
      case 'apply-override-policy':
        log.info({ policy: overridePolicyName(w.serviceImport.name), rules: w.rules, had: w.had }, 'applied OverridePolicy');
        break;
      case 'delete-override-policy':
        log.info({ policy: w.name }, 'deleted OverridePolicy: no importer is written through it any more');
        break;
      case 'patch-status-clusters':
        log.info({ clusters: w.clusters, had: w.had }, 'updated status.clusters');
        break;
      case 'patch-member-ips':
        // An IP change is said by its ips-changed step; taking over from an OverridePolicy is said here.
        if (w.annotate) log.debug({ cluster: w.cluster }, 'spec.ips written in the member, kept by the retention rule');
        break;
      case 'release-member':
        log.info({ cluster: w.cluster }, 'removed our annotation: an OverridePolicy fills spec.ips again');
        break;
    }
  }

  private send(w: Write): Promise<unknown> {
    switch (w.kind) {
      case 'apply-override-policy':
        return this.writer.applyOverridePolicy(w.namespace, w.serviceImport, w.rules, w.modes, w.resourceVersion);
      case 'delete-override-policy':
        return this.writer.deleteOverridePolicy(w.namespace, w.name, { uid: w.uid, resourceVersion: w.resourceVersion });
      case 'patch-member-ips':
        return this.writer.patchMemberIps(w.cluster, w.namespace, w.name, w.ips, w.resourceVersion, w.mode, w.annotate);
      case 'release-member':
        return this.writer.releaseMember(w.cluster, w.namespace, w.name, w.resourceVersion);
      case 'patch-status-clusters':
        return this.writer.patchStatusClusters(w.namespace, w.name, w.clusters, w.resourceVersion);
    }
  }
}
