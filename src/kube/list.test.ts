import { ApiException, KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ListTimeout, getCollection, listAllPages, type ListPage, type ListPageOptions } from './list.js';

type Item = { n: number };

/** A page source over `pages`, recording what it was asked. */
function pagesOf(pages: Array<ListPage<Item> | Error>, fullList?: ListPage<Item>) {
  const asked: Array<Omit<ListPageOptions, 'signal'>> = [];
  const fn = async (o: ListPageOptions): Promise<ListPage<Item>> => {
    const { signal: _signal, ...rest } = o;
    asked.push(rest);
    if (o.limit === undefined && fullList) return fullList;
    const i = o.continue === undefined ? 0 : Number(o.continue);
    const p = pages[i]!;
    if (p instanceof Error) throw p;
    return p;
  };
  return { fn, asked };
}

const gone = () => Object.assign(new Error('continue too old'), { code: 410 });

describe('listAllPages', () => {
  const signal = new AbortController().signal;

  it('follows continue tokens and concatenates the pages, with the last resourceVersion', async () => {
    const { fn, asked } = pagesOf([
      { items: [{ n: 1 }], metadata: { resourceVersion: '5', continue: '1' } },
      { items: [{ n: 2 }], metadata: { resourceVersion: '6', continue: '2' } },
      { items: [{ n: 3 }], metadata: { resourceVersion: '7', continue: '' } },
    ]);
    const r = await listAllPages(fn, { pageSize: 1, labelSelector: 'a=b', signal });
    expect(r).to.deep.equal({ items: [{ n: 1 }, { n: 2 }, { n: 3 }], resourceVersion: '7', pages: 3 });
    expect(asked).to.deep.equal([
      { labelSelector: 'a=b', limit: 1 },
      { labelSelector: 'a=b', limit: 1, continue: '1' },
      { labelSelector: 'a=b', limit: 1, continue: '2' },
    ]);
  });

  it('keeps what `keep` makes of each item as its page arrives, before the next page is asked for', async () => {
    const steps: string[] = [];
    const { fn } = pagesOf([
      { items: [{ n: 1 }, { n: 2 }], metadata: { resourceVersion: '5', continue: '1' } },
      { items: [{ n: 3 }], metadata: { resourceVersion: '6' } },
    ]);
    const asking = async (o: ListPageOptions) => {
      steps.push(`ask ${o.continue ?? 'first'}`);
      return fn(o);
    };
    const r = await listAllPages(asking, { pageSize: 2, signal, keep: (i) => (steps.push(`keep ${i.n}`), { n: i.n * 10 }) });
    expect(r.items).to.deep.equal([{ n: 10 }, { n: 20 }, { n: 30 }]);
    expect(steps).to.deep.equal(['ask first', 'keep 1', 'keep 2', 'ask 1', 'keep 3']);
  });

  it('pageSize 0 lists in one request', async () => {
    const { fn, asked } = pagesOf([{ items: [{ n: 1 }], metadata: { resourceVersion: '3' } }]);
    expect(await listAllPages(fn, { pageSize: 0, signal })).to.deep.equal({ items: [{ n: 1 }], resourceVersion: '3', pages: 1 });
    expect(asked).to.deep.equal([{}]);
  });

  it('an expired continue token starts over with one unpaginated list', async () => {
    const expired: number[] = [];
    const { fn, asked } = pagesOf([{ items: [{ n: 1 }], metadata: { resourceVersion: '5', continue: '1' } }, gone()], { items: [{ n: 1 }, { n: 2 }], metadata: { resourceVersion: '9' } });
    const r = await listAllPages(fn, { pageSize: 1, signal, onContinueExpired: (p) => void expired.push(p) });
    expect(r).to.deep.equal({ items: [{ n: 1 }, { n: 2 }], resourceVersion: '9', pages: 2 });
    expect(expired).to.deep.equal([1]);
    expect(asked).to.deep.equal([{ limit: 1 }, { limit: 1, continue: '1' }, {}]);
  });

  it('other failures, and a 410 on the first page, are thrown', async () => {
    const boom = new Error('boom');
    const first = gone();
    await listAllPages(pagesOf([first]).fn, { pageSize: 1, signal }).then(() => expect.fail('resolved'), (e: unknown) => expect(e).to.equal(first));
    const mid = pagesOf([{ items: [], metadata: { continue: '1' } }, boom]);
    await listAllPages(mid.fn, { pageSize: 1, signal }).then(() => expect.fail('resolved'), (e: unknown) => expect(e).to.equal(boom));
  });

  it('a checkpoint that throws abandons the list before the next answer is used', async () => {
    const abandoned = new Error('no longer wanted');
    let calls = 0;
    const { fn, asked } = pagesOf([{ items: [{ n: 1 }], metadata: { continue: '1' } }, { items: [{ n: 2 }] }]);
    const checkpoint = () => {
      if (++calls === 2) throw abandoned;
    };
    await listAllPages(fn, { pageSize: 1, signal, checkpoint }).then(() => expect.fail('resolved'), (e: unknown) => expect(e).to.equal(abandoned));
    expect(asked).to.have.length(2);
  });
});

describe('getCollection', () => {
  let server: Server;
  let kc: KubeConfig;
  let answer: (url: URL, res: ServerResponse) => void;

  beforeEach(async () => {
    server = createServer((req, res) => answer(new URL(req.url ?? '/', 'http://x'), res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, skipTLSVerify: true }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
      currentContext: 'c',
    });
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('GETs the path with the query (empty values left out) and returns the JSON', async () => {
    let seen: URL | undefined;
    answer = (url, res) => {
      seen = url;
      res.writeHead(200).end('{"items":[]}');
    };
    const body = await getCollection(kc, '/api/v1/configmaps', { limit: 2, continue: '', labelSelector: undefined }, new AbortController().signal, 5_000);
    expect(body).to.deep.equal({ items: [] });
    expect(seen?.pathname).to.equal('/api/v1/configmaps');
    expect(seen?.search).to.equal('?limit=2');
  });

  it('a non-2xx answer throws ApiException with the Status body', async () => {
    const status = JSON.stringify({ kind: 'Status', code: 404, message: 'not here' });
    answer = (_url, res) => res.writeHead(404).end(status);
    const err = await getCollection(kc, '/apis/x.io/v1/things', {}, new AbortController().signal, 5_000).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(ApiException);
    expect(err).to.include({ code: 404, body: status });
  });

  it('no answer within the timeout throws ListTimeout', async () => {
    answer = () => {}; // silent
    const err = await getCollection(kc, '/api/v1/configmaps', {}, new AbortController().signal, 50).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(ListTimeout);
  });
});
