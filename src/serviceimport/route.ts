/**
 * Which way a Karmada-managed member ServiceImport gets its spec.ips
 * (docs/design.md#where-writes-go):
 *
 * - retain: a direct patch of the member object (our annotation + spec.ips),
 *   kept by Karmada because our retention rule is installed
 *   (src/karmada/retention.ts). Karmada's cost per write is one status pass.
 * - override-policy: one OverridePolicy per ServiceImport, which Karmada
 *   renders into the member. Works without the rule, but every policy write
 *   costs Karmada work that grows with the namespace's imports.
 * - hold: --write-route=retain was asked for and the rule is not usable: a
 *   direct write would be reverted at Karmada's next sync, so managed
 *   importers are left as they are until the rule is there.
 *
 * The route is chosen for the whole controller, from the --write-route flag
 * and the state of the retention rule. A rule that appears while we run is
 * used only after `settleMs`: Karmada's controllers load customizations from
 * their own watch, and retiring an OverridePolicy rule before they have the
 * retention rule would let Karmada remove the member's spec.ips.
 */
import type { Clock, Timer } from '../runtime/clock.js';
import { retentionUsable, type RetentionState } from '../karmada/retention.js';

export type WriteRouteFlag = 'auto' | 'retain' | 'override-policy';
export const WRITE_ROUTE_FLAGS: readonly WriteRouteFlag[] = ['auto', 'retain', 'override-policy'];
export type ManagedRoute = 'retain' | 'override-policy' | 'hold';

export interface RouteChoice {
  route: ManagedRoute;
  /** One line for the log and doctor. */
  why: string;
}

function describe(s: RetentionState): string {
  switch (s.state) {
    case 'installed':
      return 'the retention rule is installed';
    case 'outdated':
      return 'the retention rule is installed (from another version; `clusterset-dns karmada install` updates it)';
    case 'missing':
      return 'the retention rule is not installed (`clusterset-dns karmada install`)';
    case 'conflict':
      return `ServiceImport's retention is held by ${s.owners.join(', ')}, so ours cannot be used`;
  }
}

/** Pure: the route for managed importers, given the flag, the rule's state and whether a usable rule has settled. */
export function chooseRoute(flag: WriteRouteFlag, state: RetentionState, settled: boolean): RouteChoice {
  const usable = retentionUsable(state);
  const why = describe(state);
  if (flag === 'override-policy') return { route: 'override-policy', why: `--write-route=override-policy; ${why}` };
  if (usable && settled) return { route: 'retain', why };
  if (usable) {
    const waiting = `${why}; waiting for Karmada to load it`;
    return flag === 'retain' ? { route: 'hold', why: waiting } : { route: 'override-policy', why: waiting };
  }
  return flag === 'retain'
    ? { route: 'hold', why: `--write-route=retain but ${why}: managed ServiceImports are left as they are` }
    : { route: 'override-policy', why: `${why}: writing through OverridePolicies` };
}

export interface RouteSelectorOptions {
  flag: WriteRouteFlag;
  clock: Clock;
  /** How long a rule that appeared while running must be seen before it is used. */
  settleMs: number;
  /** The route changed (not called for the first choice): every key must be looked at again. */
  onChange: (choice: RouteChoice, previous: RouteChoice) => void;
  /**
   * Besides update() from watch events, the rule's state is re-read from
   * `read` every `everyMs` while started, so the route settles even if an
   * event or the settle timer went missing. `read` should be cheap (a
   * cache read).
   */
  poll?: { read: () => RetentionState; everyMs: number };
}

/**
 * Holds the current choice and re-makes it when the rule's state changes or
 * a new rule has settled. Not thread-safe by design: everything runs on the
 * event loop.
 */
export class RouteSelector {
  private choice: RouteChoice | undefined;
  private state: RetentionState = { state: 'missing' };
  /** When the rule became usable; -Infinity when it already was at start. */
  private usableSince: number | undefined;
  private timer: Timer | undefined;
  private pollTimer: Timer | undefined;

  constructor(private readonly o: RouteSelectorOptions) {}

  /** The first state, from the synced cache: a rule already there has long been loaded by Karmada. */
  start(state: RetentionState): RouteChoice {
    this.state = state;
    this.usableSince = retentionUsable(state) ? -Infinity : undefined;
    this.choice = this.compute();
    this.schedulePoll();
    return this.choice;
  }

  /** A later state, from a watch event. Before start() it is only remembered. */
  update(state: RetentionState): void {
    const wasUsable = retentionUsable(this.state);
    this.state = state;
    if (!retentionUsable(state)) this.usableSince = undefined;
    else if (!wasUsable) this.usableSince = this.o.clock.now();
    if (this.choice === undefined) return;
    this.reconsider();
  }

  current(): RouteChoice {
    return this.choice ?? { route: 'override-policy', why: 'starting' };
  }

  /** Cancels the settle timer and the polling; a later update() is only remembered. */
  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.pollTimer?.cancel();
    this.pollTimer = undefined;
    this.choice = undefined;
  }

  private schedulePoll(): void {
    const poll = this.o.poll;
    if (!poll) return;
    this.pollTimer = this.o.clock.setTimer(() => {
      this.update(poll.read());
      if (this.choice !== undefined) this.schedulePoll();
    }, poll.everyMs, { unref: true });
  }

  private settled(): boolean {
    return this.usableSince !== undefined && this.o.clock.now() - this.usableSince >= this.o.settleMs;
  }

  private compute(): RouteChoice {
    this.timer?.cancel();
    this.timer = undefined;
    const choice = chooseRoute(this.o.flag, this.state, this.settled());
    if (this.usableSince !== undefined && !this.settled()) {
      const wait = this.usableSince + this.o.settleMs - this.o.clock.now();
      this.timer = this.o.clock.setTimer(() => this.reconsider(), wait, { unref: true });
    }
    return choice;
  }

  private reconsider(): void {
    const previous = this.current();
    this.choice = this.compute();
    if (this.choice.route !== previous.route || this.choice.why !== previous.why) this.o.onChange(this.choice, previous);
  }
}
