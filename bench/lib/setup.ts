/**
 * Before the phases: the run's namespaces (Karmada propagates them to the
 * members), the watches, the floor ConfigMaps and the shared
 * PropagationPolicy. After them: the namespaces deleted again.
 */
import { ApiError, Watcher, now, pool, sleep, type Api, type EventType, type KubeObj } from './api.js';
import { FLOOR_CM, IMPORT_LABEL, MCS, MEMBERS, POLICY, propagationPolicy } from './objects.js';
import type { BenchRun } from './run.js';

export async function setUp(run: BenchRun): Promise<void> {
  const { flags, runId, log, cp, members, obs, nsNames, floorNs, watchers } = run;
  const setupT0 = now();
  await pool(nsNames, 4, async (ns) => cp.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'bench.clusterset-dns/run': runId } } }));
  for (const m of MEMBERS) {
    for (const ns of nsNames) {
      const deadline = Date.now() + 60_000;
      for (;;) {
        try {
          await members[m].get(`/api/v1/namespaces/${ns}`);
          break;
        } catch (e) {
          if (!(e instanceof ApiError && e.code === 404) || Date.now() > deadline) throw e;
          await sleep(200);
        }
      }
    }
  }
  const mkWatch = (api: Api, path: string, params: Record<string, string>, h: (type: EventType, o: KubeObj, t: number) => void) => {
    const w = new Watcher(api, path, params, h, log);
    watchers.push(w);
    return w.start();
  };
  await Promise.all([
    ...MEMBERS.flatMap((m) => [
      mkWatch(members[m], '/api/v1/services', { labelSelector: 'karmada.io/managed=true' }, obs.memberService(m)),
      mkWatch(members[m], `${MCS}/serviceimports`, {}, obs.memberServiceImport(m)),
      mkWatch(members[m], `/api/v1/namespaces/${floorNs}/configmaps`, { fieldSelector: `metadata.name=${FLOOR_CM}` }, obs.configMap(m)),
    ]),
    mkWatch(cp, `${POLICY}/overridepolicies`, {}, obs.overridePolicy),
    mkWatch(cp, `${MCS}/serviceimports`, { labelSelector: IMPORT_LABEL }, obs.controlPlaneServiceImport),
    mkWatch(cp, `/api/v1/namespaces/${floorNs}/configmaps`, { fieldSelector: `metadata.name=${FLOOR_CM}` }, obs.configMap('karmada')),
    mkWatch(cp, '/api/v1/events', { fieldSelector: 'source=clusterset-dns' }, (type, o) => obs.controllerEvent(type, o)),
  ]);
  for (const api of [cp, members.member1, members.member2]) {
    await api.create(`/api/v1/namespaces/${floorNs}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: FLOOR_CM, namespace: floorNs }, data: { seq: 'init' } });
  }
  if (flags.policy === 'shared') {
    for (const ns of nsNames) await cp.create(`${POLICY}/namespaces/${ns}/propagationpolicies`, propagationPolicy(ns, 'bench-import', { labelSelector: { matchLabels: { [IMPORT_LABEL]: 'true' } } }));
  }
  log(`setup: ${nsNames.length} namespace(s) ${nsNames.join(', ')}; watches on ${watchers.length} collections (${((now() - setupT0) / 1000).toFixed(1)}s)`);
}

/** Deletes the run's namespaces and waits (up to 10 min) until they are gone everywhere; records how long that took. */
export async function cleanUp(run: BenchRun, result: Record<string, unknown>): Promise<void> {
  const { log, cp, members, nsNames } = run;
  log('cleanup: deleting namespaces');
  const t0 = now();
  for (const ns of nsNames) await cp.delete(`/api/v1/namespaces/${ns}`).catch((e: unknown) => log(`  delete ${ns}: ${e instanceof Error ? e.message : String(e)}`));
  // Karmada removes what it propagated; the members' namespaces go with the control plane's.
  const gone = async (api: Api, ns: string) => {
    try {
      await api.get(`/api/v1/namespaces/${ns}`);
      return false;
    } catch (e) {
      return e instanceof ApiError && e.code === 404;
    }
  };
  const deadline = Date.now() + 10 * 60_000;
  let allGone = false;
  while (Date.now() < deadline) {
    const states = await Promise.all(nsNames.flatMap((ns) => [gone(cp, ns), ...MEMBERS.map((m) => gone(members[m], ns))]));
    if (states.every(Boolean)) {
      allGone = true;
      break;
    }
    await sleep(2000);
  }
  result['cleanup'] = { namespacesGone: allGone, seconds: +((now() - t0) / 1000).toFixed(1) };
  log(`cleanup: ${allGone ? 'namespaces gone' : 'namespaces still terminating after 10 min'} (${((now() - t0) / 1000).toFixed(0)}s)`);
}
