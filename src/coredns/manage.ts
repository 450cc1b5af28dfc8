/**
 * `run --manage-coredns`: the controller sets CoreDNS up in every member as
 * it joins — the same install as `clusterset-dns coredns install`, with the
 * same refusals (docs/design.md#coredns-safety), run by the leader for each
 * member it engages.
 *
 * When it acts: once the leader starts (every member engaged so far), then
 * whenever a member is engaged (a Cluster joins, or its credentials change).
 * It does not watch Corefiles afterwards: someone who uninstalls by hand is
 * not fought; the next leader start or re-engage installs again. Each
 * attempt first judges the change a previous leader may have left half done
 * (install.ts, ./recover.ts), so a new leader sees a rollout through or
 * rolls it back even when it finds the stanza already in place.
 *
 * A rollout that did not become healthy and was rolled back (`rolled-back`)
 * is not retried: the same change would break CoreDNS again. Logged as an
 * error and counted; the next re-engage or leader start tries once more.
 * `failed` (the rollback could not be written) is retried with backoff: the
 * next attempt's recovery puts the previous Corefile back.
 *
 * Every attempt is bounded (attemptTimeoutMs, from the rollout timeout): one
 * that does not finish counts as an error and is retried with backoff, so a
 * hung install never stops the member being set up. stop() (SIGTERM, or
 * leadership over) aborts the attempts in flight — a rollout wait ends at
 * once, leaving its change record pending for the next leader — and waits
 * for them at most stopWaitMs, within the manager's 30 s grace.
 *
 * Failures: an error (member unreachable mid-install) and a refusal (the
 * CoreDNS Deployment cannot be read, an old CoreDNS without a flavour, a
 * Corefile we do not understand) are retried with backoff from 5 s up to
 * 5 min — reads only, a refusal happens before any write — so a member whose
 * API server comes back, or whose CoreDNS gets upgraded, is set up without a
 * restart. Each new outcome is logged once (not every retry) and counted in
 * clusterset_dns_coredns_setup_total{member_cluster,result}. A Corefile
 * already set up by someone else ("foreign") is left alone, as install does;
 * a ConfigMap another reconciler owns (Helm, the addon manager, Karmada, a
 * cloud add-on: ./owner.ts) is never edited — it would be reverted — and is
 * reported as `owned` (a warning log, the setup counter, and
 * clusterset_dns_coredns_configured 0); --ignore-configmap-owner is the
 * CLI's alone, as the controller would redo the edit on every re-engage.
 * Whether each member's CoreDNS serves the zone after its last attempt is
 * clusterset_dns_coredns_configured (configured()).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { realClock, type Clock, type Timer } from '../runtime/clock.js';
import type { InstallOptions, InstallResult } from './install.js';
import { DEFAULT_ROLLOUT_TIMEOUT_MS } from './rollout.js';

export type Installer = (kc: KubeConfig, opts: InstallOptions, signal: AbortSignal) => Promise<InstallResult>;

/**
 * What one set-up attempt came to: install's result, `owned` for a refusal
 * because someone else's reconciler owns the Corefile's ConfigMap, or an
 * error it threw.
 */
export type SetupResult = InstallResult['kind'] | 'owned' | 'error';

/** The result an install outcome counts as; pure. */
export function setupResult(r: InstallResult): SetupResult {
  return r.kind === 'refused' && r.owner ? 'owned' : r.kind;
}

/**
 * Whether CoreDNS serves the clusterset zone after an attempt with this
 * result: our stanza is in place (installed, unchanged) or someone else's is
 * (foreign). Anything else — refused, rolled back, failed, an error, or no
 * attempt finished yet — means it does not, as far as we know.
 */
export function servesZone(result: SetupResult | undefined): boolean {
  return result === 'installed' || result === 'unchanged' || result === 'foreign';
}

interface SetupOutcome {
  kind: SetupResult;
  message: string;
}

export interface CoreDnsManagerOptions {
  install: Installer;
  options: InstallOptions;
  log: Logger;
  /** One attempt's result, for clusterset_dns_coredns_setup_total. */
  counted?: (cluster: string, result: SetupResult) => void;
  initialRetryMs?: number;
  maxRetryMs?: number;
  /** How long one attempt may take before it counts as an error and is retried; default attemptTimeoutMs(options). */
  attemptTimeoutMs?: number;
  /** How long stop() waits for aborted attempts to return; default 20 s. */
  stopWaitMs?: number;
  /** Times the retries; default the real clock. */
  clock?: Clock;
}

/**
 * One per engage: a re-engage or a departure replaces or drops it, and an
 * attempt whose state is no longer the member's current one is ignored.
 */
interface MemberState {
  kc: KubeConfig;
  timer?: Timer | undefined;
  /** The attempt running now: aborted when it is no longer wanted; its result is ignored unless it is still this one. */
  inFlight?: { abort: AbortController; done: Promise<void> } | undefined;
  failures: number;
  lastOutcome?: string;
  lastResult?: SetupResult;
}

/**
 * The longest an attempt may take: recovery may follow a previous rollout and
 * then a rollback (two rollout timeouts), and install its own rollout and
 * rollback (two more), plus a minute of reads and writes. Pure.
 */
export function attemptTimeoutMs(options: InstallOptions): number {
  return 4 * (options.rollout?.timeoutMs ?? DEFAULT_ROLLOUT_TIMEOUT_MS) + 60_000;
}

export class CoreDnsManager {
  private readonly members = new Map<string, MemberState>();
  private started = false;
  private readonly initialRetryMs: number;
  private readonly maxRetryMs: number;
  private readonly clock: Clock;
  private readonly attemptTimeoutMs: number;
  private readonly stopWaitMs: number;

  constructor(private readonly o: CoreDnsManagerOptions) {
    this.clock = o.clock ?? realClock;
    this.initialRetryMs = o.initialRetryMs ?? 5_000;
    this.maxRetryMs = o.maxRetryMs ?? 300_000;
    this.attemptTimeoutMs = o.attemptTimeoutMs ?? attemptTimeoutMs(o.options);
    this.stopWaitMs = o.stopWaitMs ?? 20_000;
  }

  /** A member was engaged with this kubeconfig (joined, or new credentials). */
  engaged(cluster: string, kc: KubeConfig): void {
    const prev = this.members.get(cluster);
    prev?.timer?.cancel();
    prev?.inFlight?.abort.abort('new credentials');
    // The last outcome stands until the new credentials' attempt says otherwise.
    const st: MemberState = { kc, failures: 0, ...(prev?.lastOutcome ? { lastOutcome: prev.lastOutcome } : {}), ...(prev?.lastResult ? { lastResult: prev.lastResult } : {}) };
    this.members.set(cluster, st);
    if (this.started) this.attempt(cluster, st);
  }

  /** A member left: nothing more is attempted on it. */
  gone(cluster: string): void {
    const st = this.members.get(cluster);
    st?.timer?.cancel();
    st?.inFlight?.abort.abort('member gone');
    this.members.delete(cluster);
  }

  /** Starts acting (the leader only: installs write to members). */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const [cluster, st] of this.members) this.attempt(cluster, st);
  }

  /**
   * Stops acting: retries cancelled, attempts in flight aborted and waited for
   * (at most stopWaitMs), so no write of ours follows the lease's release.
   */
  async stop(): Promise<void> {
    this.started = false;
    const running: Array<Promise<void>> = [];
    for (const st of this.members.values()) {
      st.timer?.cancel();
      if (st.inFlight) {
        st.inFlight.abort.abort('stopping');
        running.push(st.inFlight.done);
      }
    }
    if (running.length === 0) return;
    let timer: Timer | undefined;
    const gaveUp = new Promise<void>((resolve) => (timer = this.clock.setTimer(resolve, this.stopWaitMs, { unref: true })));
    await Promise.race([Promise.all(running), gaveUp]);
    timer?.cancel();
  }

  /**
   * Per member, whether CoreDNS serves the zone after its last attempt
   * (clusterset_dns_coredns_configured). Nothing while not started: only the
   * leader sets CoreDNS up, and a standby's "not yet" would read as a fault.
   */
  configured(): Array<[member: string, configured: boolean]> {
    if (!this.started) return [];
    return [...this.members].map(([c, st]) => [c, servesZone(st.lastResult)]);
  }

  /** Outcome of the last attempt per member, for logs and tests. */
  outcomes(): Record<string, string | undefined> {
    return Object.fromEntries([...this.members].map(([c, st]) => [c, st.lastOutcome]));
  }

  private attempt(cluster: string, st: MemberState): void {
    if (this.members.get(cluster) !== st || !this.started) return;
    st.timer = undefined;
    const abort = new AbortController();
    const current = () => this.members.get(cluster) === st && st.inFlight?.abort === abort;
    let deadline: Timer | undefined;
    // A call that never answers must not hold the member forever: past the deadline the attempt
    // is an error (and retried), and its signal stops whatever of it still waits.
    const timedOut = new Promise<SetupOutcome>((resolve) => {
      deadline = this.clock.setTimer(() => {
        abort.abort('attempt timed out');
        resolve({ kind: 'error', message: `no result within ${Math.round(this.attemptTimeoutMs / 1000)}s; will try again` });
      }, this.attemptTimeoutMs, { unref: true });
    });
    const installed = this.o.install(st.kc, this.o.options, abort.signal).then(
      (r): SetupOutcome => ({ kind: setupResult(r), message: r.message }),
      (e: unknown): SetupOutcome => ({ kind: 'error', message: e instanceof Error ? e.message : String(e) }),
    );
    const done = Promise.race([installed, timedOut]).then((outcome) => {
      deadline?.cancel();
      // Re-engaged, gone, stopped or superseded meanwhile: that attempt's result is not this member's news.
      if (!current() || (abort.signal.aborted && !this.started)) return;
      st.inFlight = undefined;
      this.settled(cluster, st, outcome);
    });
    st.inFlight = { abort, done };
  }

  private settled(cluster: string, st: MemberState, { kind, message }: SetupOutcome): void {
    this.o.counted?.(cluster, kind);
    const outcome = `${kind}: ${message}`;
    const fresh = outcome !== st.lastOutcome;
    st.lastOutcome = outcome;
    st.lastResult = kind;
    const log = this.o.log.child({ cluster });
    if (kind === 'installed' || kind === 'unchanged' || kind === 'foreign') {
      st.failures = 0;
      if (fresh) log.info({ result: kind, detail: message }, kind === 'foreign' ? 'CoreDNS already serves the zone by another setup; left alone' : 'CoreDNS set up for clusterset.local');
      return;
    }
    if (kind === 'rolled-back') {
      // The change reached CoreDNS and its pods did not become ready: doing it
      // again would only break CoreDNS again. A human looks; a re-engage or the
      // next leader start tries once more.
      if (fresh) log.error({ result: kind, detail: message }, 'CoreDNS did not become healthy with the clusterset stanza; rolled back, not retrying');
      return;
    }
    const delay = Math.min(this.maxRetryMs, this.initialRetryMs * 2 ** st.failures);
    st.failures++;
    // Someone else's reconciler would revert the edit: not written, reported, and looked at
    // again with the same backoff (reads only), so a ConfigMap its owner lets go of is set up.
    if (kind === 'owned') {
      if (fresh) log.warn({ result: kind, detail: message, retryInMs: delay }, 'CoreDNS\'s ConfigMap is managed by someone else, who would revert the clusterset stanza; not editing it');
    } else if (kind === 'failed') {
      // The rollback could not be written: the next attempt's recovery tries to put the previous Corefile back.
      if (fresh) log.error({ result: kind, detail: message, retryInMs: delay }, 'CoreDNS did not become healthy and the previous Corefile could not be put back; retrying with backoff');
    } else if (fresh) log.error({ result: kind, detail: message, retryInMs: delay }, 'could not set CoreDNS up; retrying with backoff');
    if (this.started) {
      st.timer = this.clock.setTimer(() => this.attempt(cluster, st), delay, { unref: true });
    }
  }
}
