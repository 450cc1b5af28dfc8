/**
 * The local environment: a Karmada federation with two member clusters and a
 * CoreDNS per member, all real binaries on 127.0.0.1, no Docker
 * (docs/local-environment.md).
 *
 *   etcd (one, a prefix per API server)
 *   karmada-apiserver + kube-controller-manager + karmada-aggregated-apiserver
 *     + karmada-webhook + karmada-controller-manager + karmada-scheduler
 *   member1, member2: kube-apiserver + kube-controller-manager each,
 *     joined as Push clusters; CoreDNS running their kube-system/coredns Corefile
 *
 * `up()` is idempotent, `down()` leaves no process or port behind; state lives
 * in .cache/env (env.json, kubeconfig, logs). Used by `npm run env:up|down`,
 * the integration and end-to-end tests, and the demo.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot, repoRoot } from './binaries.js';
import { removeNetwork } from './dataplane/netns.js';
import { environmentPrefix } from './dataplane/topology.js';
import { startDataPlane } from './dataplane/start.js';
import { karmadaLayoutDir, writeKarmadaLayout } from './karmada-layout.js';
import { getJson } from './kube.js';
import { delay, isAlive, portHolder, portInUse, rssBytes, startProcess, stopProcess, waitUntil } from './process.js';
import {
  installKarmadaCrds,
  joinMembers,
  prepareStart,
  installMemberCrds,
  startApiServers,
  startCoreDns,
  startEtcd,
  startKarmadaAggregatedApiServer,
  startKarmadaControllers,
  startKarmadaWebhook,
  startKubeControllerManagers,
  type Log,
} from './startup.js';
import { KARMADA_CONTEXT, MEMBERS, access, envDir, kubeConfig, readState, statePath, writeState, type EnvState } from './state.js';

export { KARMADA_CONTEXT, MEMBERS, access, envDir, kubeConfig, readState, type EnvState, type MemberState } from './state.js';
export { karmadaClientRateFlags } from './startup.js';
export { HOST_CONTEXT, karmadaLayoutDir, writeKarmadaLayout } from './karmada-layout.js';

const defaultLog: Log = (l) => console.error(l);

/** Health of a running environment: every process alive, every API server ready. */
export async function check(state: EnvState): Promise<string[]> {
  const problems: string[] = [];
  for (const p of Object.values(state.processes)) {
    if (!isAlive(p.pid)) problems.push(`${p.name} (pid ${p.pid}) is not running; log: ${p.log}`);
  }
  for (const ctx of [KARMADA_CONTEXT, ...Object.keys(state.members)]) {
    try {
      const r = await getJson(access(state, ctx), '/readyz');
      if (r !== 'ok') problems.push(`${ctx} /readyz answered ${JSON.stringify(r)}`);
    } catch (e) {
      problems.push(`${ctx} /readyz: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return problems;
}

/** Brings the environment up, or leaves a healthy running one as it is. */
export async function up(log: Log = defaultLog): Promise<EnvState> {
  const existing = readState();
  if (existing) {
    const problems = await check(existing);
    if (problems.length === 0) {
      // An environment started before the Karmada layout existed gets it now.
      writeKarmadaLayout(existing);
      log(`local environment already running (kubeconfig ${existing.kubeconfig}; Karmada's layout in ${karmadaLayoutDir(existing)})`);
      return existing;
    }
    log(`local environment is unhealthy; restarting it:\n  ${problems.join('\n  ')}`);
    await down(log);
  }

  const t0 = Date.now();
  const ctx = await prepareStart(log);
  const { state } = ctx;
  try {
    log('starting the local environment');
    await startEtcd(ctx);
    await startApiServers(ctx);
    await startKubeControllerManagers(ctx);
    const karmadaKc = kubeConfig(state, KARMADA_CONTEXT);
    await installKarmadaCrds(ctx, karmadaKc);
    await startKarmadaAggregatedApiServer(ctx, karmadaKc);
    await startKarmadaWebhook(ctx, karmadaKc);
    await startKarmadaControllers(ctx);
    await joinMembers(ctx, karmadaKc);
    await installMemberCrds(ctx, karmadaKc);
    await startCoreDns(ctx);
    await startDataPlane(ctx);

    state.startupSeconds = Math.round((Date.now() - t0) / 100) / 10;
    ctx.save();
    log(`local environment up in ${state.startupSeconds}s; kubeconfig: ${state.kubeconfig} (contexts ${KARMADA_CONTEXT}, ${MEMBERS.join(', ')}); Karmada's layout: KUBECONFIG_PATH=${karmadaLayoutDir(state)}`);
    return state;
  } catch (e) {
    ctx.save();
    log(`local environment failed to start: ${e instanceof Error ? e.message : String(e)}`);
    log('stopping what was started');
    await down(() => {});
    throw e;
  }
}

/** Stops every process of the environment and checks that its ports are free. */
export async function down(log: Log = defaultLog): Promise<void> {
  const state = readState();
  if (!state) {
    // Namespaces outlive a lost state file (or a crash before it was written).
    const left = await removeNetwork(environmentPrefix(envDir()));
    log(left.length > 0 ? `removed the data plane's namespaces ${left.join(', ')}` : 'local environment is not running');
    return;
  }
  // Reverse start order: clients before the servers they talk to.
  const procs = Object.values(state.processes).reverse();
  await Promise.all(procs.map((p) => stopProcess(p.pid)));
  // Every process has exited; a port still answering is someone else's. Look
  // a few times before saying so (a listener can outlive its process's exit
  // status by a moment while the kernel tears the socket down).
  let busy: string[] = [];
  for (let attempt = 0; attempt < 10; attempt++) {
    busy = [];
    for (const p of procs) {
      for (const [name, port] of Object.entries(p.ports)) {
        if (await portInUse(port)) busy.push(`${p.name} ${name} port ${port} (held by ${portHolder(port) ?? "nobody listening now"})`);
      }
    }
    if (busy.length === 0) break;
    await delay(500);
  }
  // The kubelets stopped their pods; this takes the namespaces, veths, routes and nftables rules.
  await removeNetwork(environmentPrefix(state.dir));
  rmSync(statePath(), { force: true });
  if (busy.length > 0) throw new Error(`ports still in use after stopping the environment: ${busy.join(', ')}`);
  log(`local environment stopped (${procs.length} processes)`);
}

/** Stops one component (tests use this to break things); its record stays, so it can be restarted. */
export async function stopComponent(state: EnvState, name: string): Promise<void> {
  const p = state.processes[name];
  if (!p) throw new Error(`no component ${name}`);
  await stopProcess(p.pid);
}

/** Starts a stopped component again with the same command, ports and log; waits for `ready`. */
export async function startComponent(state: EnvState, name: string, ready?: () => Promise<boolean>): Promise<void> {
  const p = state.processes[name];
  if (!p) throw new Error(`no component ${name}`);
  if (isAlive(p.pid)) return;
  const [bin, ...args] = p.command;
  if (!bin) throw new Error(`no command recorded for ${name}`);
  const info = startProcess({ name, bin, args, cwd: name.endsWith('-coredns') ? join(state.dir, 'coredns', name.slice(0, -'-coredns'.length)) : repoRoot }, p.log);
  state.processes[name] = { ...p, pid: info.pid };
  writeState(state);
  if (ready) await waitUntil(`${name} ready after restart`, ready, { timeoutMs: 120_000, intervalMs: 250, proc: info });
}

/** A table of processes with PID, RSS and log, for `env:status`. */
export function describe(state: EnvState): string {
  const rows = Object.values(state.processes).map((p) => {
    const rss = rssBytes(p.pid);
    return `${p.name.padEnd(36)} ${String(p.pid).padStart(8)} ${rss === undefined ? '    dead' : `${(rss / 2 ** 20).toFixed(0).padStart(5)} MiB`}  ${p.log}`;
  });
  return [`${'component'.padEnd(36)} ${'pid'.padStart(8)}   rss      log`, ...rows].join('\n');
}

export { cacheRoot };
