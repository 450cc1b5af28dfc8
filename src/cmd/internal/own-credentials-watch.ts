/**
 * `run`'s watch over its own credentials for the Karmada API server: every
 * few seconds, asks the control-plane caches whether the server rejects them
 * (src/runtime/own-credentials.ts decides). While it does, the readyz check
 * `credentials` fails with the reason; once it has for the whole bound, one
 * fatal log line says what to renew and the runnable fails, which stops the
 * manager with exit code 1 (src/runtime/manager.ts). The restarted process
 * reads the kubeconfig again.
 */
import type { InformerHealth } from '../../runtime/cache/informer.js';
import { realClock, type Clock, type Timer } from '../../runtime/clock.js';
import type { Check, HealthCheckOptions } from '../../runtime/health.js';
import type { Logger } from '../../runtime/logging.js';
import { untilAborted, type Runnable } from '../../runtime/manager.js';
import { judgeOwnCredentials, rejectionOf, type CredentialsVerdict } from '../../runtime/own-credentials.js';

export const OWN_CREDENTIALS_CHECK_EVERY_MS = 5_000;
export const CREDENTIALS_CHECK = 'credentials';

/** What to renew, as the fatal line names it: where `run` read its credentials from (./kubeconfig.ts's order). */
export function credentialsSource(kubeconfigFlag: string, env: Record<string, string | undefined>): string {
  if (kubeconfigFlag) return `the credentials in the kubeconfig --kubeconfig ${kubeconfigFlag} (in the shipped Deployment, the kubeconfig Secret mounted there: docs/deploy.md, step 2)`;
  if (env['KUBECONFIG']) return `the credentials in the kubeconfig $KUBECONFIG (${env['KUBECONFIG']})`;
  return 'the pod\'s service-account token (in-cluster config; is its ServiceAccount still there?)';
}

export interface OwnCredentialsWatchOptions {
  /** The control-plane caches' health now. */
  readonly caches: () => readonly InformerHealth[];
  readonly renew: string;
  readonly log: Pick<Logger, 'fatal' | 'warn' | 'info'>;
  readonly addReadyzCheck: (name: string, check: Check, options?: HealthCheckOptions) => void;
  readonly intervalMs?: number | undefined;
  readonly exitAfterMs?: number | undefined;
  readonly clock?: Clock | undefined;
}

/** Watches from start until stopped; rejects (the manager then exits with 1) when the credentials are given up on. */
export function ownCredentialsWatch(o: OwnCredentialsWatchOptions): Runnable {
  return {
    start: (signal) =>
      new Promise<void>((resolve, reject) => {
        const clock = o.clock ?? realClock;
        const intervalMs = o.intervalMs ?? OWN_CREDENTIALS_CHECK_EVERY_MS;
        let rejectedSince: number | undefined;
        let verdict: CredentialsVerdict = { kind: 'accepted' };
        o.addReadyzCheck(CREDENTIALS_CHECK, () => {
          if (verdict.kind !== 'accepted') throw new Error(verdict.message);
        });
        let timer: Timer;
        const tick = () => {
          const before = verdict.kind;
          const j = judgeOwnCredentials({ rejectedSince, rejection: rejectionOf(o.caches()), now: clock.now(), renew: o.renew, exitAfterMs: o.exitAfterMs });
          const now = j.verdict;
          rejectedSince = j.rejectedSince;
          verdict = now;
          if (now.kind === 'give-up') {
            o.log.fatal(now.message);
            reject(new Error(now.message));
            return;
          }
          if (now.kind === 'rejected' && before === 'accepted') o.log.warn(now.message);
          if (now.kind === 'accepted' && before !== 'accepted') o.log.info('the Karmada API server accepts this controller\'s credentials again');
          timer = clock.setTimer(tick, intervalMs);
        };
        timer = clock.setTimer(tick, intervalMs);
        void untilAborted(signal).then(() => {
          timer.cancel();
          resolve();
        });
      }),
  };
}
