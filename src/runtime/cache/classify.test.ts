import { ApiException } from '@kubernetes/client-node';
import { expect } from 'chai';
import { ListTimeout } from '../../kube/list.js';
import { WatchClosed, WatchDeadlineExceeded, WatchdogTimeout, classifyError } from './classify.js';
import { WatchConnectTimeout, WatchRefused } from './watch.js';

describe('classifyError', () => {
  const ctx = { verb: 'list' as const, path: '/apis/multicluster.x-k8s.io/v1alpha1/serviceimports', cluster: 'member1' };
  const status = (code: number, message: string, reason = '') => JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code });

  it('forbidden: names verb, resource, scope and user, with the server message', () => {
    const body = status(403, 'serviceimports.multicluster.x-k8s.io is forbidden: User "x" cannot list resource "serviceimports" in API group "multicluster.x-k8s.io" at the cluster scope', 'Forbidden');
    const c = classifyError(new ApiException(403, 'Unknown API Status Code!', body, {}), ctx);
    expect(c.reason).to.equal('forbidden');
    expect(c.code).to.equal(403);
    expect(c.message).to.equal(
      'forbidden: cannot list serviceimports.multicluster.x-k8s.io at the cluster scope as user "x" on cluster "member1": ' +
        'serviceimports.multicluster.x-k8s.io is forbidden: User "x" cannot list resource "serviceimports" in API group "multicluster.x-k8s.io" at the cluster scope',
    );
  });

  it('forbidden watch (a refused watch has only the status code) in a namespace', () => {
    const e = Object.assign(new Error('Forbidden'), { statusCode: 403 });
    const c = classifyError(e, { verb: 'watch', path: '/api/v1/namespaces/ns1/configmaps', cluster: 'c' });
    expect(c).to.deep.equal({ reason: 'forbidden', code: 403, message: 'forbidden: cannot watch configmaps in the namespace "ns1" on cluster "c" (HTTP 403)' });
    expect(classifyError(new WatchRefused(403, 'Forbidden'), { verb: 'watch', path: '/api/v1/namespaces/ns1/configmaps', cluster: 'c' })).to.deep.equal(c);
  });

  it('404 on a grouped resource is a missing CRD; on the core group it is not', () => {
    const body = status(404, 'the server could not find the requested resource', 'NotFound');
    const crd = classifyError(new ApiException(404, '', body, {}), ctx);
    expect(crd.reason).to.equal('crd-missing');
    expect(crd.message).to.match(/^CRD not installed, or v1alpha1 not served: cluster "member1" does not serve serviceimports\.multicluster\.x-k8s\.io \(list \/apis\/multicluster\.x-k8s\.io\/v1alpha1\/serviceimports answered 404\); install the CustomResourceDefinition serviceimports\.multicluster\.x-k8s\.io with v1alpha1 served/);
    expect(classifyError(Object.assign(new Error('Not Found'), { statusCode: 404 }), { ...ctx, path: '/api/v1/widgets' }).reason).to.equal('not-found');
  });

  it('401 (ApiException without body), 410, 429, 5xx, other 4xx', () => {
    expect(classifyError(new ApiException(401, 'Unauthorized', undefined, {}), ctx)).to.include({ reason: 'unauthorized', code: 401 });
    expect(classifyError({ code: 410 }, ctx).reason).to.equal('expired');
    expect(classifyError(Object.assign(new Error('Too Many Requests'), { statusCode: 429 }), ctx).reason).to.equal('throttled');
    expect(classifyError(new ApiException(503, '', status(503, 'etcd is down'), {}), ctx)).to.deep.include({ reason: 'server-error', message: 'server error: list of serviceimports.multicluster.x-k8s.io on cluster "member1" answered 503: etcd is down' });
    expect(classifyError(new ApiException(422, '', 'not json at all', {}), ctx).message).to.match(/answered 422: not json at all$/);
  });

  it('network and TLS errors by their system code or message', () => {
    const fetchError = Object.assign(new Error('request to https://127.0.0.1:1/x failed, reason: connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED', type: 'system' });
    expect(classifyError(fetchError, ctx).reason).to.equal('network');
    expect(classifyError(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }), ctx).reason).to.equal('network');
    expect(classifyError(new Error('socket hang up'), ctx).reason).to.equal('network');
    expect(classifyError(Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), ctx).reason).to.equal('tls');
  });

  it('own error types', () => {
    expect(classifyError(new WatchdogTimeout(400_000), { ...ctx, verb: 'watch' }).message).to.equal(
      'watchdog: watch of serviceimports.multicluster.x-k8s.io at the cluster scope on cluster "member1" went quiet (no event, bookmark or reconnect for 400s); reconnecting',
    );
    expect(classifyError(new WatchDeadlineExceeded(33, 43_200), { ...ctx, verb: 'watch' })).to.deep.equal({
      reason: 'watchdog',
      message: 'watchdog: watch of serviceimports.multicluster.x-k8s.io at the cluster scope on cluster "member1" presumed dead (open for 43s with timeoutSeconds=33, not ended by the server, nothing received lately); reconnecting',
    });
    expect(classifyError(new ListTimeout('no answer within 60s'), ctx).reason).to.equal('timeout');
    expect(classifyError(new WatchConnectTimeout(10_000), { ...ctx, verb: 'watch' })).to.deep.equal({
      reason: 'timeout',
      message: 'timeout: watch of serviceimports.multicluster.x-k8s.io at the cluster scope on cluster "member1": no answer to the watch request within 10s',
    });
    expect(classifyError(new WatchClosed('closed by the server after 3ms without any event'), { ...ctx, verb: 'watch' }).reason).to.equal('watch-closed');
    const streamErr = Object.assign(new WatchClosed('ERROR event', { code: 500, message: 'boom' }), { code: 500 });
    expect(classifyError(streamErr, { ...ctx, verb: 'watch' })).to.deep.include({ reason: 'server-error', code: 500 });
    expect(classifyError('weird', ctx).reason).to.equal('internal');
  });
});
