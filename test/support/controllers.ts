/**
 * What end-to-end tests read from running controller processes (their
 * /metrics: leadership, writes, member reachability; their JSON logs), and
 * the hooks that show their logs and stop them.
 */
import { readFileSync } from 'node:fs';
import { controllerLogTail, type RunningController } from '../env/controller.js';
import { eventually, type Clients } from './kube.js';

/** run's default Lease, the one config/karmada grants by name. */
export const LEASE = 'clusterset-dns';
/** client-go's lease duration (run's default). */
export const LEASE_MS = 15_000;
/** A standby leads within the lease duration after the last renew it saw, plus retry periods: generous on a slow machine. */
export const TAKEOVER_MS = 2 * LEASE_MS + 10_000;
/** The log lines of the writes a reconcile makes (src/serviceimport/reconciler.ts). */
export const WRITE_LOG_LINES = ['spec.ips changed', 'applied OverridePolicy', 'updated status.clusters', 'deleted OverridePolicy: no importer is written through it any more', 'removed our annotation: an OverridePolicy fills spec.ips again'];

/** One sample's value; NaN when the series is absent or the process does not answer. */
export async function metric(c: RunningController, re: RegExp): Promise<number> {
  return Number(re.exec(await c.metricsText().catch(() => ''))?.[1] ?? NaN);
}

/** 1 while `c` leads, 0 while it stands by. */
export const leading = (c: RunningController) => metric(c, new RegExp(`^leader_election_master_status\\{name="${LEASE}"\\} (\\S+)$`, 'm'));

/** clusterset_dns_writes_total summed over kinds, for one result or all. */
export async function writes(c: RunningController, result?: 'success' | 'conflict' | 'error' | 'fenced'): Promise<number> {
  return (await c.metricsText()).split('\n')
    .filter((l) => l.startsWith('clusterset_dns_writes_total{') && (result === undefined || l.includes(`result="${result}"`)))
    .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
}

/**
 * The value of the sample of `name` whose labels include every one of
 * `labels`, in any order; NaN when there is no such sample (a gauge like
 * clusterset_dns_problems has no series while nothing stands) or the
 * process does not answer.
 */
export async function sample(c: RunningController, name: string, labels: Record<string, string>): Promise<number> {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  // Preceded by { or , so that cluster="x" does not match member_cluster="x".
  const has = (line: string, label: string) => line.includes(`{${label}`) || line.includes(`,${label}`);
  const line = (await c.metricsText().catch(() => '')).split('\n').find((l) => l.startsWith(`${name}{`) && want.every((w) => has(l, w)));
  return Number(line?.split(' ').pop() ?? NaN);
}

/** clusterset_dns_member_reachable for one member: 1, 0, or NaN while the process does not answer. */
export const memberReachable = (c: RunningController, member: string) =>
  metric(c, new RegExp(`^clusterset_dns_member_reachable\\{member_cluster="${member}"\\} (\\S+)$`, 'm'));

/** The one of `cs` that leads, once exactly one does. */
export function theLeader(cs: RunningController[], within = 30_000): Promise<RunningController> {
  return eventually('exactly one leader', async () => {
    const flags = await Promise.all(cs.map(leading));
    return flags.filter((f) => f === 1).length === 1 ? cs[flags.indexOf(1)] : undefined;
  }, within, 250);
}

/** One JSON log line: its time (ISO), its message, and the fields it carries (cluster, name, err, ...). */
export type LogLine = { time?: string; msg?: string } & Record<string, unknown>;

/** Every JSON log line `c` wrote at or after `since` (an ISO time). */
export function logLinesSince(c: RunningController, since: string): LogLine[] {
  return readFileSync(c.proc.log, 'utf8').split('\n').flatMap((l) => {
    try {
      const line = JSON.parse(l) as LogLine;
      return line.time !== undefined && line.time >= since ? [line] : [];
    } catch {
      return [];
    }
  });
}

/** The `msg` of every JSON log line `c` wrote at or after `since` (an ISO time). */
export function logMessagesSince(c: RunningController, since: string): string[] {
  return logLinesSince(c, since).map((l) => l.msg ?? '');
}

/** Stops every controller, thawing any a test left frozen by SIGSTOP first (a frozen one cannot act on SIGTERM). */
export async function thawAndStop(cs: readonly RunningController[]): Promise<void> {
  for (const c of cs) {
    try {
      process.kill(c.proc.pid, 'SIGCONT');
    } catch {
      /* gone */
    }
    await c.stop();
  }
}

/**
 * Mocha hooks for a suite that starts controller processes into `running`:
 * after a failed test, the tail of each one's log (what it did is the
 * likeliest clue); after the suite, each one stopped (thawed first) and then
 * the suite's namespace deleted. `leftovers` is read then, since the suite
 * sets both in its before hook, and may find them unset if that hook failed.
 */
export function controllerHooks(running: readonly RunningController[], leftovers: () => { karmada: Clients | undefined; namespace: string }): void {
  afterEach(function () {
    if (this.currentTest?.state !== 'failed') return;
    for (const c of running) console.error(`${c.proc.name} log:\n${controllerLogTail(c)}`);
  });
  after(async () => {
    await thawAndStop(running);
    const { karmada, namespace } = leftovers();
    await karmada?.core.deleteNamespace({ name: namespace }).catch(() => undefined);
  });
}
