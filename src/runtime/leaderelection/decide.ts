/**
 * The pure half of leader election: given the Lease record just read, what
 * to write, if anything. This is client-go's tryAcquireOrRenew
 * (k8s.io/client-go/tools/leaderelection/leaderelection.go) minus the I/O,
 * so it can be table-tested; LeaderElector (elector.ts) does the reading and
 * writing around it.
 *
 * A lease held by someone else counts as expired only once its record has
 * stayed unchanged for leaseDurationSeconds *as timed by our own monotonic
 * clock* (client-go's observedTime), never by comparing its renewTime with
 * our wall clock: clock skew between pods cannot hand the lease to two
 * holders.
 */

/** The part of Lease.spec that leader election reads and writes (client-go's LeaderElectionRecord). */
export interface LeaderElectionRecord {
  /** '' = nobody (released). */
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  readonly acquireTime: Date | undefined;
  readonly renewTime: Date | undefined;
  readonly leaseTransitions: number;
}

/**
 * What this process last saw of the record, and when by its own clock.
 * observedAt only moves when the record changes: that is what makes an
 * abandoned lease expire.
 */
export interface Observation {
  readonly record: LeaderElectionRecord;
  /** Identity of the record's content, as client-go compares the raw record. */
  readonly fingerprint: string;
  /** Clock.now() when this content was first seen. */
  readonly observedAt: number;
}

export interface LeadershipInput {
  readonly identity: string;
  /** Written into records we write; others time our lease with it. */
  readonly leaseDurationSeconds: number;
  /** Clock.now() (monotonic ms). */
  readonly now: number;
  /** Wall-clock time for acquireTime/renewTime: informational for humans and other tools only. */
  readonly wallNow: Date;
  /** The record just read; undefined when the Lease does not exist. */
  readonly current: LeaderElectionRecord | undefined;
  readonly previous: Observation | undefined;
}

export type LeadershipDecision =
  /** No Lease: create it, holding it. */
  | { readonly action: 'create'; readonly record: LeaderElectionRecord; readonly observation: Observation | undefined }
  /** Released or expired: take it over (leaseTransitions + 1). */
  | { readonly action: 'acquire'; readonly record: LeaderElectionRecord; readonly observation: Observation }
  /** Ours: renew it. */
  | { readonly action: 'renew'; readonly record: LeaderElectionRecord; readonly observation: Observation }
  /** Someone else holds a valid lease: try again later. */
  | { readonly action: 'wait'; readonly holder: string; readonly expiresAt: number; readonly observation: Observation };

export function fingerprint(r: LeaderElectionRecord): string {
  return JSON.stringify([r.holderIdentity, r.leaseDurationSeconds, r.acquireTime?.getTime() ?? null, r.renewTime?.getTime() ?? null, r.leaseTransitions]);
}

/** The observation after reading `record` at `now`, given the previous one. */
export function observe(record: LeaderElectionRecord, now: number, previous: Observation | undefined): Observation {
  const fp = fingerprint(record);
  if (previous !== undefined && previous.fingerprint === fp) return previous;
  return { record, fingerprint: fp, observedAt: now };
}

/**
 * client-go's tryAcquireOrRenew, minus the I/O: given the record just read,
 * what to write, if anything.
 */
export function decideLeadership(input: LeadershipInput): LeadershipDecision {
  const { identity, now, wallNow, current } = input;
  if (current === undefined) {
    return {
      action: 'create',
      record: { holderIdentity: identity, leaseDurationSeconds: input.leaseDurationSeconds, acquireTime: wallNow, renewTime: wallNow, leaseTransitions: 0 },
      observation: input.previous,
    };
  }
  const observation = observe(current, now, input.previous);
  const holder = current.holderIdentity;
  if (holder === identity) {
    return {
      action: 'renew',
      record: {
        holderIdentity: identity,
        leaseDurationSeconds: input.leaseDurationSeconds,
        acquireTime: current.acquireTime ?? wallNow,
        renewTime: wallNow,
        leaseTransitions: current.leaseTransitions,
      },
      observation,
    };
  }
  // The holder's own duration decides its expiry, not ours. A missing or
  // nonsensical duration expires at once, as in client-go.
  const durationMs = Number.isFinite(current.leaseDurationSeconds) ? Math.max(0, current.leaseDurationSeconds) * 1000 : 0;
  const expiresAt = observation.observedAt + durationMs;
  if (holder !== '' && expiresAt > now) return { action: 'wait', holder, expiresAt, observation };
  return {
    action: 'acquire',
    record: {
      holderIdentity: identity,
      leaseDurationSeconds: input.leaseDurationSeconds,
      acquireTime: wallNow,
      renewTime: wallNow,
      leaseTransitions: current.leaseTransitions + 1,
    },
    observation,
  };
}

/** The record a leader writes to release: nobody holds it, and old clients that ignore '' wait only 1 s (client-go's release()). */
export function releaseRecord(current: LeaderElectionRecord, wallNow: Date): LeaderElectionRecord {
  return { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: wallNow, renewTime: wallNow, leaseTransitions: current.leaseTransitions };
}
