/**
 * When to give up on the controller's own credentials for the Karmada API
 * server: pure, so the rule reads (and is tested) as a table.
 *
 * A rejected token (HTTP 401: expired, revoked, its ServiceAccount deleted)
 * does not heal by retrying, and the caches retry it forever with backoff:
 * the process would look alive while it decides nothing. Nor does it heal by
 * waiting, unless the credentials are re-read: a kubeconfig file is read
 * once, at start (src/cmd/internal/kubeconfig.ts); only the in-cluster
 * service-account token is re-read, by client-node, every minute. So after
 * the control plane has rejected the credentials on every call for
 * OWN_CREDENTIALS_EXIT_AFTER_MS, the process exits with 1 and one line
 * saying what to renew, and the restarted process reads the renewed file.
 * While it waits, /readyz fails with the same reason.
 *
 * Only the control plane's answers count: a member that answers 401 has
 * credentials of its own (its Cluster's Secret, or Karmada's impersonator
 * token through the proxy) and is an unreachable member, never fatal.
 */
import type { InformerHealth } from './cache/informer.js';
import { formatAge } from './workqueue/wedged.js';

/**
 * Two minutes: above client-node's one-minute re-read of an in-cluster token
 * plus the caches' longest backoff (30 s), so a token kubelet renewed is
 * picked up before this fires; and about the time kubelet takes to show a
 * changed Secret in the mounted kubeconfig, so the restart likely reads it.
 */
export const OWN_CREDENTIALS_EXIT_AFTER_MS = 120_000;

/**
 * What the control plane says of our credentials now: the error of a cache
 * that is failing now and whose last failure was a 401, or undefined. A
 * cache still watching on a connection opened before the token expired
 * proves nothing either way; one that has watched again since proves them
 * good, and stops counting.
 */
export function rejectionOf(caches: readonly InformerHealth[]): string | undefined {
  const rejected = caches.find((h) => !h.running && h.lastErrorReason === 'unauthorized');
  return rejected ? (rejected.lastError ?? 'HTTP 401') : undefined;
}

export type CredentialsVerdict =
  | { readonly kind: 'accepted' }
  /** Rejected for less than the bound: /readyz fails with `message`. */
  | { readonly kind: 'rejected'; readonly message: string }
  /** Rejected for the whole bound: log `message` and exit with 1. */
  | { readonly kind: 'give-up'; readonly message: string };

export interface CredentialsJudgement {
  /** When the rejection now standing was first seen; undefined while accepted. Pass it back in next time. */
  readonly rejectedSince: number | undefined;
  readonly verdict: CredentialsVerdict;
}

export interface CredentialsSample {
  /** From the previous judgement. */
  readonly rejectedSince: number | undefined;
  /** rejectionOf() now. */
  readonly rejection: string | undefined;
  readonly now: number;
  /** What to renew, in words: the kubeconfig file, or the in-cluster token. */
  readonly renew: string;
  readonly exitAfterMs?: number | undefined;
}

export function judgeOwnCredentials(s: CredentialsSample): CredentialsJudgement {
  if (s.rejection === undefined) return { rejectedSince: undefined, verdict: { kind: 'accepted' } };
  const since = s.rejectedSince ?? s.now;
  const forMs = s.now - since;
  const bound = s.exitAfterMs ?? OWN_CREDENTIALS_EXIT_AFTER_MS;
  const what = `the Karmada API server has rejected this controller's credentials (HTTP 401) for ${formatAge(forMs)}`;
  if (forMs >= bound) {
    return { rejectedSince: since, verdict: { kind: 'give-up', message: `${what}; renew ${s.renew}; exiting so the restarted process reads them (last: ${s.rejection})` } };
  }
  return { rejectedSince: since, verdict: { kind: 'rejected', message: `${what}; renew ${s.renew}; exiting after ${formatAge(bound)} of this (last: ${s.rejection})` } };
}
