/**
 * The Reflector's backstop watchdog: fires when its attempt has shown no sign
 * of life for `limitMs` (./watch-limits.ts `watchdogMs`). It is re-armed
 * lazily for the remainder of the limit rather than reset on every event, so
 * a busy watch costs no timer churn.
 */
import type { Clock, Timer } from '../clock.js';

export interface WatchdogTarget {
  /** Only a running or connecting attempt is watched. */
  active(): boolean;
  /** clock.now() of the last sign of life. */
  lastActivity(): number;
  /** Quiet for `quietMs` ≥ the limit. */
  quiet(quietMs: number): void;
}

export class Watchdog {
  private timer: Timer | undefined;

  constructor(
    private readonly clock: Clock,
    readonly limitMs: number,
    private readonly target: WatchdogTarget,
  ) {}

  arm(): void {
    if (this.timer !== undefined) return;
    this.timer = this.clock.setTimer(() => this.check(), this.limitMs, { unref: true });
  }

  cancel(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  private check(): void {
    this.timer = undefined;
    if (!this.target.active()) return;
    const quiet = this.clock.now() - this.target.lastActivity();
    if (quiet >= this.limitMs) return this.target.quiet(quiet);
    this.timer = this.clock.setTimer(() => this.check(), this.limitMs - quiet, { unref: true });
  }
}
