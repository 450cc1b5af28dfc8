import { expect } from 'chai';
import { Registry, Counter } from 'prom-client';
import { createServer } from 'node:net';
import { CheckSet, condition, parseBindAddress, startHealthServer, type RunningHealthServer } from './health.js';

describe('runtime/health', () => {
  describe('parseBindAddress', () => {
    const cases: { address: string; want: ReturnType<typeof parseBindAddress> | RegExp }[] = [
      { address: ':8081', want: { host: undefined, port: 8081 } },
      { address: '127.0.0.1:0', want: { host: '127.0.0.1', port: 0 } },
      { address: '[::1]:8080', want: { host: '::1', port: 8080 } },
      { address: '0', want: undefined },
      { address: '8080', want: /want host:port/ },
      { address: 'localhost:99999', want: /out of range/ },
    ];
    for (const c of cases) {
      it(c.address, () => {
        if (c.want instanceof RegExp) expect(() => parseBindAddress(c.address)).to.throw(c.want);
        else expect(parseBindAddress(c.address)).to.deep.equal(c.want);
      });
    }
  });

  describe('server', () => {
    let server: RunningHealthServer;
    let healthz: CheckSet;
    let readyz: CheckSet;
    let registry: Registry;
    let base: string;
    let informersSynced: boolean;
    let member2Down: string | undefined;
    const errors: string[] = [];

    before(async () => {
      healthz = new CheckSet('healthz');
      readyz = new CheckSet('readyz', 200);
      registry = new Registry();
      new Counter({ name: 'test_things_total', help: 'Things.', registers: [registry] }).inc(3);
      healthz.add('ping', () => {});
      readyz.add('informers', condition(() => informersSynced, 'control-plane informers not synced'));
      readyz.add('cluster-member1', async () => {}, { affectsAggregate: false });
      readyz.add(
        'cluster-member2',
        async () => {
          if (member2Down !== undefined) throw new Error(member2Down);
        },
        { affectsAggregate: false },
      );
      // One server for probes and metrics: the same address for both.
      server = await startHealthServer({
        healthz,
        readyz,
        registry,
        probeAddress: '127.0.0.1:0',
        metricsAddress: '127.0.0.1:0',
        onError: (e) => errors.push(e.path),
      });
      base = `http://127.0.0.1:${server.probe!.port}`;
    });

    after(async () => {
      await server?.close();
    });

    beforeEach(() => {
      informersSynced = true;
      member2Down = undefined;
      readyz.remove('slow');
      readyz.remove('throws');
    });

    const get = async (path: string, init?: RequestInit) => {
      const r = await fetch(base + path, init);
      return { status: r.status, body: await r.text(), type: r.headers.get('content-type') };
    };

    it('shares one server when both addresses are the same', () => {
      expect(server.metrics).to.deep.equal(server.probe);
    });

    const cases: { name: string; path: string; setup?: () => void; status: number; body: string | RegExp }[] = [
      { name: 'healthz passes quietly', path: '/healthz', status: 200, body: 'ok' },
      { name: 'readyz passes quietly', path: '/readyz', status: 200, body: 'ok' },
      {
        name: 'verbose lists every check, sorted',
        path: '/readyz?verbose',
        status: 200,
        body: '[+]cluster-member1 ok\n[+]cluster-member2 ok\n[+]informers ok\nreadyz check passed\n',
      },
      {
        name: 'unsynced informers fail readiness, with the reason',
        path: '/readyz',
        setup: () => (informersSynced = false),
        status: 500,
        body: '[+]cluster-member1 ok\n[+]cluster-member2 ok\n[-]informers failed: control-plane informers not synced\nreadyz check failed\n',
      },
      {
        name: 'a down member does not fail the aggregate, and says so when verbose',
        path: '/readyz?verbose',
        setup: () => (member2Down = 'dial tcp 10.0.0.2:6443: connect: connection refused'),
        status: 200,
        body: '[+]cluster-member1 ok\n[-]cluster-member2 failed: dial tcp 10.0.0.2:6443: connect: connection refused (does not affect readyz)\n[+]informers ok\nreadyz check passed\n',
      },
      { name: 'a down member is still ok in the quiet aggregate', path: '/readyz', setup: () => (member2Down = 'x'), status: 200, body: 'ok' },
      { name: 'a down member fails its own check', path: '/readyz/cluster-member2', setup: () => (member2Down = 'unreachable'), status: 500, body: 'internal server error: unreachable\n' },
      { name: 'a single check passes', path: '/readyz/informers', status: 200, body: 'ok' },
      {
        name: 'exclude skips a failing check',
        path: '/readyz?exclude=informers&verbose',
        setup: () => (informersSynced = false),
        status: 200,
        body: /\[\+\]informers excluded: ok\nreadyz check passed\n$/,
      },
      { name: 'exclude of an unknown check warns', path: '/readyz?exclude=nope&verbose', status: 200, body: /warn: some health checks cannot be excluded: no matches for "nope"\n/ },
      { name: 'unknown check is 404', path: '/readyz/nope', status: 404, body: /404/ },
      { name: 'unknown path is 404', path: '/livez', status: 404, body: /404/ },
      {
        name: 'a check that hangs times out',
        path: '/readyz/slow',
        setup: () => readyz.add('slow', () => new Promise<void>(() => {})),
        status: 500,
        body: 'internal server error: check timed out after 200 ms\n',
      },
      {
        name: 'a check that throws synchronously fails, the server survives',
        path: '/readyz?verbose',
        setup: () =>
          readyz.add('throws', () => {
            throw new Error('boom\nsecond line');
          }),
        status: 500,
        body: /\[-\]throws failed: boom second line\n/,
      },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        c.setup?.();
        const r = await get(c.path);
        expect(r.status).to.equal(c.status);
        if (typeof c.body === 'string') expect(r.body).to.equal(c.body);
        else expect(r.body).to.match(c.body);
        expect(r.type).to.equal('text/plain; charset=utf-8');
      });
    }

    it('serves /metrics from the registry with its content type', async () => {
      const r = await get('/metrics');
      expect(r.status).to.equal(200);
      expect(r.type).to.equal(registry.contentType);
      expect(r.body).to.include('test_things_total 3');
    });

    it('refuses other methods', async () => {
      const r = await fetch(base + '/readyz', { method: 'POST' });
      expect(r.status).to.equal(405);
      expect(r.headers.get('allow')).to.equal('GET, HEAD');
    });

    it('answers HEAD without a body', async () => {
      const r = await get('/healthz', { method: 'HEAD' });
      expect(r.status).to.equal(200);
      expect(r.body).to.equal('');
    });

    it('reports failing probes to onError', async () => {
      errors.length = 0;
      informersSynced = false;
      await get('/readyz');
      expect(errors).to.deep.equal(['/readyz']);
    });

    it('with no checks reports ping, as controller-runtime does', async () => {
      const agg = await new CheckSet('healthz').runAll();
      expect(agg.results.map((r) => r.name)).to.deep.equal(['ping']);
      expect(agg.ok).to.equal(true);
    });

    it('rejects check names that are not one path segment', () => {
      expect(() => readyz.add('a/b', () => {})).to.throw(RangeError);
    });
  });

  describe('separate servers', () => {
    it('serves probes and metrics on different ports, and "0" turns one off', async () => {
      const registry = new Registry();
      // Equal addresses mean one server, so ask for a concrete metrics port.
      const two = await startHealthServer({
        healthz: new CheckSet('healthz'),
        readyz: new CheckSet('readyz'),
        registry,
        probeAddress: '127.0.0.1:0',
        metricsAddress: `127.0.0.1:${await freePort()}`,
      });
      try {
        expect(two.probe!.port).to.not.equal(two.metrics!.port);
        expect((await fetch(`http://127.0.0.1:${two.probe!.port}/metrics`)).status).to.equal(404);
        expect((await fetch(`http://127.0.0.1:${two.metrics!.port}/metrics`)).status).to.equal(200);
        expect((await fetch(`http://127.0.0.1:${two.metrics!.port}/readyz`)).status).to.equal(404);
        expect((await fetch(`http://127.0.0.1:${two.probe!.port}/readyz`)).status).to.equal(200);
      } finally {
        await two.close();
      }
      const probesOnly = await startHealthServer({ healthz: new CheckSet('healthz'), readyz: new CheckSet('readyz'), registry, probeAddress: '127.0.0.1:0', metricsAddress: '0' });
      try {
        expect(probesOnly.metrics).to.equal(undefined);
      } finally {
        await probesOnly.close();
      }
    });

    it('fails to start when the port is taken, leaving nothing listening', async () => {
      const registry = new Registry();
      const first = await startHealthServer({ healthz: new CheckSet('healthz'), readyz: new CheckSet('readyz'), registry, probeAddress: '127.0.0.1:0', metricsAddress: '0' });
      try {
        let err: unknown;
        try {
          await startHealthServer({
            healthz: new CheckSet('healthz'),
            readyz: new CheckSet('readyz'),
            registry,
            probeAddress: '127.0.0.1:0',
            metricsAddress: `127.0.0.1:${first.probe!.port}`,
          });
        } catch (e) {
          err = e;
        }
        expect((err as { code?: string }).code).to.equal('EADDRINUSE');
      } finally {
        await first.close();
      }
    });
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
