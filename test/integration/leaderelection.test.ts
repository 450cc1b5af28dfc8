/**
 * Leader election against the Karmada control plane's real kube-apiserver
 * (the local environment), with short timings: lease 3 s, renew 2 s, retry
 * 0.5 s. Each test uses its own Lease in karmada-system; every wait polls a
 * condition against a deadline.
 */
import { expect } from 'chai';
import { CoordinationV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { KARMADA_CONTEXT, kubeConfig } from '../env/environment.js';
import { LeaderElector, type StoppedLeading } from '../../src/runtime/leaderelection/elector.js';
import { DEFAULT_LEASE_NAMESPACE } from '../../src/runtime/leaderelection/lease-namespace.js';
import { KubeLeaseLock, type LeaseLock } from '../../src/runtime/leaderelection/leaselock.js';
import { useEnvironment } from '../support/environment.js';
import { eventually, uniqueName } from '../support/kube.js';

const LEASE_MS = 3_000;
const RENEW_MS = 2_000;
const RETRY_MS = 500;
const NS = DEFAULT_LEASE_NAMESPACE;

interface Probe {
  readonly stopped: StoppedLeading[];
  signal?: AbortSignal;
  /** Date.now() at onStartedLeading / onStoppedLeading. */
  startedAt?: number;
  stoppedAt?: number;
}

interface Candidate extends Probe {
  readonly elector: LeaderElector;
  readonly done: Promise<string>;
}

describe('leader election on a real kube-apiserver (integration)', function () {
  this.timeout(60_000);
  let kc: KubeConfig;
  let leases: CoordinationV1Api;
  const running: LeaderElector[] = [];
  const created: string[] = [];

  before(async function () {
    this.timeout(10 * 60_000); // a cold start builds the binaries first
    const env = await useEnvironment();
    kc = kubeConfig(env, KARMADA_CONTEXT);
    leases = kc.makeApiClient(CoordinationV1Api);
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((e) => e.stop()));
  });

  after(async () => {
    for (const name of created) await leases?.deleteNamespacedLease({ name, namespace: NS }).catch(() => undefined);
  });

  function leaseName(): string {
    const name = uniqueName('le-test');
    created.push(name);
    return name;
  }

  function candidate(lease: string, identity: string, lock?: LeaseLock): Candidate {
    const probe: Probe = { stopped: [] };
    const elector = new LeaderElector({
      name: lease,
      namespace: NS,
      identity,
      ...(lock !== undefined ? { lock } : { kubeConfig: kc }),
      leaseDurationMs: LEASE_MS,
      renewDeadlineMs: RENEW_MS,
      retryPeriodMs: RETRY_MS,
      callbacks: {
        onStartedLeading: (signal) => {
          probe.signal = signal;
          probe.startedAt = Date.now();
        },
        onStoppedLeading: (info) => {
          probe.stopped.push(info);
          probe.stoppedAt = Date.now();
        },
      },
    });
    running.push(elector);
    return Object.assign(probe, { elector, done: elector.run() });
  }

  const readLease = (name: string): Promise<V1Lease> => leases.readNamespacedLease({ name, namespace: NS });

  /** Checks `invariant` every 100 ms for `ms`, failing on the first violation. */
  async function holds(what: string, ms: number, invariant: () => boolean): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      expect(invariant(), what).to.equal(true);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('two candidates on one Lease: exactly one leads, and the Lease says who', async () => {
    const lease = leaseName();
    const a = candidate(lease, 'candidate-a');
    const b = candidate(lease, 'candidate-b');
    const leader = await eventually('a leader', async () => (a.elector.isLeader() ? a : b.elector.isLeader() ? b : undefined), 10_000, 50);
    const standby = leader === a ? b : a;
    // Two full lease durations: renewals keep the lease, the standby never takes it.
    await holds('exactly one leader', 2 * LEASE_MS, () => a.elector.isLeader() !== b.elector.isLeader());
    expect(standby.elector.getLeader()).to.equal(leader.elector.identity);

    const l = await readLease(lease);
    expect(l.spec?.holderIdentity).to.equal(leader.elector.identity);
    expect(l.spec?.leaseDurationSeconds).to.equal(3);
    expect(l.spec?.leaseTransitions).to.equal(0);
    // MicroTime on the wire; client-node hands it back unparsed.
    expect(String(l.spec?.renewTime as unknown)).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(Date.now() - new Date(String(l.spec?.renewTime as unknown)).getTime()).to.be.lessThan(LEASE_MS);
  });

  it('the leader releases on stop and the standby takes over without waiting for the lease to expire', async () => {
    const lease = leaseName();
    const a = candidate(lease, 'first');
    await eventually('first leads', async () => (a.elector.isLeader() ? true : undefined), 10_000, 50);
    const b = candidate(lease, 'second');
    await eventually('second sees first', async () => (b.elector.getLeader() === 'first' ? true : undefined), 10_000, 50);

    expect(await a.elector.stop()).to.equal('stopped');
    const releasedAt = Date.now();
    expect(a.signal?.aborted).to.equal(true);
    expect(a.stopped).to.deep.equal([{ reason: 'stopped' }]);

    // A released lease is free at once: the standby's next retry (RetryPeriod ×
    // (1 + 1.2 × rand) ≤ 1.1 s) takes it. Waiting for expiry would take the
    // full 3 s lease from the last renew; that is the bound that tells the two
    // apart. (How fast a takeover is belongs to a benchmark, not to this test.)
    await eventually('second leads', async () => (b.elector.isLeader() ? true : undefined), LEASE_MS, 25);
    expect(Date.now() - releasedAt, 'taken before the lease could expire').to.be.lessThan(LEASE_MS);
    const l = await readLease(lease);
    expect(l.spec?.holderIdentity).to.equal('second');
    expect(l.spec?.leaseTransitions).to.equal(1);
  });

  it('a leader whose Lease is taken by another holder steps down, and leaves it alone', async () => {
    const lease = leaseName();
    const a = candidate(lease, 'victim');
    await eventually('victim leads', async () => (a.elector.isLeader() ? true : undefined), 10_000, 50);

    // Steal it by hand, as another client would (replace with resourceVersion; retry on 409 from a renew).
    await eventually('stolen', async () => {
      const l = await readLease(lease);
      l.spec = { ...l.spec, holderIdentity: 'intruder', leaseTransitions: (l.spec?.leaseTransitions ?? 0) + 1 };
      await leases.replaceNamespacedLease({ name: lease, namespace: NS, body: l });
      return true;
    }, 5_000, 50);
    const stolenAt = Date.now();

    // It sees the new holder on its next renew attempt, every RetryPeriod: well
    // before its own lease would run out.
    await eventually('victim steps down', async () => (a.stopped.length > 0 ? true : undefined), LEASE_MS, 25);
    expect(Date.now() - stolenAt, 'stepped down before its lease ran out').to.be.lessThan(LEASE_MS);
    expect(a.stopped).to.deep.equal([{ reason: 'lost' }]);
    expect(a.elector.isLeader()).to.equal(false);
    expect(a.signal?.aborted).to.equal(true);
    expect(await a.done).to.equal('lost');
    expect(a.elector.getLeader()).to.equal('intruder');
    expect((await readLease(lease)).spec?.holderIdentity).to.equal('intruder');
  });

  it('a leader cut off from the API steps down before the standby, which waits out the lease, takes over', async () => {
    const lease = leaseName();
    // The leader's lock goes through the real API until "cut", then fails like a dead network.
    let cut = false;
    const real = KubeLeaseLock.fromKubeConfig(kc, NS, lease);
    const failIfCut = <T>(f: () => Promise<T>): Promise<T> => (cut ? Promise.reject(new Error('connect ECONNREFUSED')) : f());
    const partitioned: LeaseLock = {
      description: real.description,
      get: (s) => failIfCut(() => real.get(s)),
      create: (r, s) => failIfCut(() => real.create(r, s)),
      update: (r, v, s) => failIfCut(() => real.update(r, v, s)),
    };
    const a = candidate(lease, 'isolated', partitioned);
    await eventually('isolated leads', async () => (a.elector.isLeader() ? true : undefined), 10_000, 50);
    const b = candidate(lease, 'standby');
    await eventually('standby sees the leader', async () => (b.elector.getLeader() === 'isolated' ? true : undefined), 10_000, 50);

    cut = true;
    const cutAt = Date.now();
    await eventually('isolated steps down', async () => (a.stopped.length > 0 ? true : undefined), RENEW_MS + 2_000, 25);
    // What matters is the order, asserted below: it stops leading before the
    // standby may start, which is a lease duration after the last renew.
    expect(a.stopped).to.deep.equal([{ reason: 'lost' }]);

    await eventually('standby leads', async () => (b.elector.isLeader() ? true : undefined), LEASE_MS + 3_000, 25);
    // Never both: the standby started only after the isolated leader had stopped,
    // having waited out the lease (3 s) since it last saw it change.
    expect(b.startedAt!).to.be.greaterThan(a.stoppedAt!);
    expect(b.startedAt! - cutAt).to.be.at.least(LEASE_MS - RETRY_MS);
    const l = await readLease(lease);
    expect(l.spec?.holderIdentity).to.equal('standby');
    expect(l.spec?.leaseTransitions).to.equal(1);
  });
});
