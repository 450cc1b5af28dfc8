import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { Registry } from 'prom-client';
import type { MemberStatus } from '../../karmada/cluster-manager.js';
import { createLogger } from '../../runtime/logging.js';
import { Manager } from '../../runtime/manager.js';
import { FakeClock } from '../../runtime/clock.js';
import { clusterCheckName, memberReadiness } from './member-readiness.js';

const flush = () => new Promise<void>((r) => setImmediate(r));

describe('run: readiness per member cluster', () => {
  it('check names are one URL path segment', () => {
    expect(clusterCheckName('member1')).to.equal('cluster-member1');
    expect(clusterCheckName('edge-eu-west-1')).to.equal('cluster-edge-eu-west-1');
    expect(clusterCheckName('a/b c:d')).to.equal('cluster-a_b_c_d');
  });

  it('adds a check per member as members appear, served by the manager at once; an unreachable one fails its check, not /readyz', async () => {
    let status: MemberStatus[] = [];
    const mgr = new Manager({
      log: createLogger({ level: 'silent' }),
      health: { registry: new Registry(), probeAddress: '127.0.0.1:0', metricsAddress: '0' },
      leaderElection: { enabled: false, name: 'test' },
      signals: new EventEmitter(),
      exit: () => {},
    });
    mgr.addReadyzCheck('informers', () => {});
    const intervalMs = 250;
    const clock = new FakeClock();
    mgr.add(memberReadiness({ status: () => status, addReadyzCheck: (n, c, o) => mgr.addReadyzCheck(n, c, o), intervalMs, clock }), { needLeaderElection: false });
    const done = mgr.start();
    while (mgr.addresses() === undefined) await flush();
    const get = async (path: string) => {
      const r = await fetch(`http://127.0.0.1:${mgr.addresses()?.probe?.port}${path}`);
      return { status: r.status, body: await r.text() };
    };

    status = [{ cluster: 'member1', reachable: true }, { cluster: 'edge', reachable: false, reason: 'Secret karmada-cluster/x named by Cluster edge does not exist' }];
    clock.advance(intervalMs - 1);
    expect((await get('/readyz/cluster-edge')).status, 'the first refresh is one interval after start').to.equal(404);
    clock.advance(1);
    expect(await get('/readyz/cluster-member1')).to.deep.equal({ status: 200, body: 'ok' });
    expect(await get('/readyz/cluster-edge')).to.deep.equal({ status: 500, body: 'internal server error: Secret karmada-cluster/x named by Cluster edge does not exist\n' });
    expect(await get('/readyz'), 'one bad member does not make the controller unready').to.deep.equal({ status: 200, body: 'ok' });
    status = [...status, { cluster: 'late', reachable: true }];
    expect((await get('/readyz/cluster-late')).status).to.equal(404);
    clock.advance(intervalMs);
    expect((await get('/readyz/cluster-late')).status, 'and refreshed every interval after: a member that joins later gets its check').to.equal(200);

    // The check reads the status live: a recovered member passes at once, as does one that left.
    status = [{ cluster: 'member1', reachable: true }, { cluster: 'edge', reachable: true }];
    expect((await get('/readyz/cluster-edge')).status).to.equal(200);
    status = [{ cluster: 'member1', reachable: false }];
    expect(await get('/readyz/cluster-member1')).to.deep.equal({ status: 500, body: 'internal server error: unreachable\n' });
    expect((await get('/readyz/cluster-edge')).status).to.equal(200);

    mgr.stop('test');
    expect(await done).to.equal(0);
  });
});
