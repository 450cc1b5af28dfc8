import { expect } from 'chai';
import type { Cluster } from '../api/karmada.js';
import type { Secret } from '../api/core.js';
import { credentialsToRenew, memberAccess as memberAccessIn, secretRefOf } from './access.js';
import type { MemberAccessMode } from './member-access-mode.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const push = (spec: Partial<Cluster['spec']> = {}, name = 'member1'): Cluster => ({
  metadata: { name },
  spec: { syncMode: 'Push', apiEndpoint: 'https://10.0.0.1:6443', secretRef: { namespace: 'karmada-cluster', name }, ...spec },
});
const secret = (data: Record<string, string>): Secret => ({ metadata: { name: 'member1', namespace: 'karmada-cluster' }, data });
const impersonator = { namespace: 'karmada-cluster', name: 'member1-impersonator' };
const PROXY_PATH = '/apis/cluster.karmada.io/v1alpha1/clusters/member1/proxy';

describe('member access: Push/Pull × --member-access → how the member is reached, and whether a Secret is read', () => {
  const pull: Cluster = { metadata: { name: 'member1' }, spec: { syncMode: 'Pull', impersonatorSecretRef: impersonator } };
  const pushWithImpersonator = push({ impersonatorSecretRef: impersonator });
  const creds = secret({ token: b64('t0k') });
  const cases: Array<[Cluster, MemberAccessMode, { secretRead: boolean; kind: string }]> = [
    [pushWithImpersonator, 'proxy', { secretRead: false, kind: 'proxy' }],
    [pushWithImpersonator, 'direct', { secretRead: true, kind: 'push' }],
    [pull, 'proxy', { secretRead: false, kind: 'proxy' }],
    [pull, 'direct', { secretRead: false, kind: 'proxy' }],
  ];
  for (const [c, mode, want] of cases) {
    it(`${c.spec.syncMode} with --member-access=${mode}: ${want.kind === 'proxy' ? 'the cluster proxy' : 'apiEndpoint'}, ${want.secretRead ? 'reads' : 'reads no'} Secret`, () => {
      const ref = secretRefOf(c, mode);
      expect(ref !== undefined, 'a Secret to read').to.equal(want.secretRead);
      // The Secret is handed over only when one was asked for, as the callers do.
      const a = memberAccessIn(c, ref ? creds : undefined, mode);
      expect(a.kind).to.equal(want.kind);
      if (a.kind === 'proxy') expect(a.path).to.equal(PROXY_PATH);
    });
  }

  it('proxy: a Push member without an impersonator Secret is unreachable, and the reason names the way out', () => {
    const a = memberAccessIn(push(), undefined, 'proxy');
    expect(a).to.deep.equal({ kind: 'unreachable', reason: 'Push cluster member1 has no spec.impersonatorSecretRef, so the Karmada cluster proxy cannot reach it; join it with an impersonator secret (karmadactl join does), or run with --member-access=direct' });
  });
});

/** The direct way, which the rest of this file is about. */
const memberAccess = (c: Cluster, s: Secret | undefined) => memberAccessIn(c, s, 'direct');

describe('memberAccess: Push via apiEndpoint and Secret, Pull via the cluster proxy', () => {
  const cases: Array<[string, Cluster, Secret | undefined, object]> = [
    ['Push with token and CA', push(), secret({ token: b64('t0k'), caBundle: b64(PEM) }),
      { kind: 'push', server: 'https://10.0.0.1:6443', token: 't0k', caData: b64(PEM), skipTLSVerify: false }],
    ['Push with host:port endpoint and insecure skip', push({ apiEndpoint: '10.0.0.1:6443', insecureSkipTLSVerification: true }), secret({ token: b64('t0k') }),
      { kind: 'push', server: 'https://10.0.0.1:6443', token: 't0k', skipTLSVerify: true }],
    ['Push honours proxyURL', push({ proxyURL: 'http://proxy:3128' }), secret({ token: b64('t0k'), caBundle: b64(PEM) }),
      { kind: 'push', server: 'https://10.0.0.1:6443', token: 't0k', caData: b64(PEM), skipTLSVerify: false, proxyUrl: 'http://proxy:3128' }],
    ['cluster names with dashes and dots', push({}, 'edge.eu-west-1'), secret({ token: b64('t') }),
      { kind: 'push', server: 'https://10.0.0.1:6443', token: 't', skipTLSVerify: false }],
    ['Pull with impersonator goes through the cluster proxy', { metadata: { name: 'edge.eu-1' }, spec: { syncMode: 'Pull', impersonatorSecretRef: { namespace: 'karmada-cluster', name: 'x' } } }, undefined,
      { kind: 'proxy', path: '/apis/cluster.karmada.io/v1alpha1/clusters/edge.eu-1/proxy' }],
  ];
  for (const [name, c, s, want] of cases) it(name, () => expect(memberAccess(c, s)).to.deep.equal(want));

  const unreachable: Array<[string, Cluster, Secret | undefined, RegExp]> = [
    ['Pull without impersonator', { metadata: { name: 'p' }, spec: { syncMode: 'Pull' } }, undefined, /impersonatorSecretRef/],
    ['Push without apiEndpoint', push({ apiEndpoint: '' }), secret({ token: b64('t') }), /apiEndpoint/],
    ['Push without secretRef', { metadata: { name: 'm' }, spec: { syncMode: 'Push', apiEndpoint: 'x' } }, undefined, /secretRef/],
    ['Secret missing', push(), undefined, /does not exist/],
    ['Secret without token', push(), secret({ caBundle: b64(PEM) }), /no "token"/],
    ['Secret with an empty token', push(), secret({ token: b64('  ') }), /no "token"/],
    ['caBundle that is not PEM', push(), secret({ token: b64('t'), caBundle: b64('garbage') }), /not a PEM/],
  ];
  for (const [name, c, s, re] of unreachable) {
    it(`unreachable: ${name}`, () => {
      const a = memberAccess(c, s);
      expect(a.kind).to.equal('unreachable');
      if (a.kind === 'unreachable') expect(a.reason).to.match(re);
    });
  }

  it('never puts the token in a reason', () => {
    const a = memberAccess(push(), secret({ token: b64('s3cret'), caBundle: b64('garbage') }));
    expect(JSON.stringify(a)).to.not.contain('s3cret');
  });
});

describe('member access: what to renew when the member rejects the credentials (401)', () => {
  const cases: Array<[string, Cluster, MemberAccessMode, string]> = [
    ['direct: the Cluster\'s Secret', push(), 'direct', 'renew the token in Secret karmada-cluster/member1 (Cluster member1\'s spec.secretRef); it is re-read within a minute'],
    ['proxy: Karmada\'s impersonator token', push({ impersonatorSecretRef: impersonator }), 'proxy', 'the Karmada cluster proxy forwards with the impersonator token in Secret karmada-cluster/member1-impersonator (Cluster member1\'s spec.impersonatorSecretRef): renew it in Karmada (or this controller\'s own credentials, when /readyz\'s credentials check fails too)'],
    ['a Pull member under direct is reached through the proxy', { metadata: { name: 'member1' }, spec: { syncMode: 'Pull', impersonatorSecretRef: impersonator } }, 'direct', 'the Karmada cluster proxy forwards with the impersonator token in Secret karmada-cluster/member1-impersonator (Cluster member1\'s spec.impersonatorSecretRef): renew it in Karmada (or this controller\'s own credentials, when /readyz\'s credentials check fails too)'],
  ];
  for (const [name, c, mode, want] of cases) {
    it(name, () => expect(credentialsToRenew(c, mode)).to.equal(want));
  }
});
