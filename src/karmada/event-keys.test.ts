import { expect } from 'chai';
import { overridePolicyName } from '../serviceimport/overridepolicy.js';
import { keysForEvent, NO_MEMBER, type KeyEvent, type KeySources, type MemberFacts } from './event-keys.js';

/** Sources over plain lists of keys. */
function sources(data: {
  controlPlane: string[];
  members: Record<string, { imports: string[]; exports: string[] }>;
  policies: Array<{ key: string; clusters: string[] }>;
  listed: Array<{ key: string; clusters: string[] }>;
}): KeySources {
  const inNs = (ns: string | undefined) => (k: string) => ns === undefined || k.startsWith(`${ns}/`);
  return {
    controlPlaneImports: (ns) => data.controlPlane.filter(inNs(ns)),
    memberObjects: (cluster, ns) =>
      Object.entries(data.members)
        .filter(([c]) => cluster === undefined || c === cluster)
        .flatMap(([, m]) => [...m.imports, ...m.exports])
        .filter(inNs(ns)),
    policies: () => data.policies,
    listedExporters: () => data.listed,
    // The feature's own naming, so long names end in its hash as they do in a run.
    policyNameOf: overridePolicyName,
  };
}

/** Two ServiceImport names too long for `clusterset-dns-<name>`: their policies share a cut head and differ in the hash. */
const LONG_A = `${'l'.repeat(250)}a`;
const LONG_B = `${'l'.repeat(250)}b`;

const world = sources({
  controlPlane: ['shop/web', 'shop/api', 'blog/db', 'other/only-cp', `long/${LONG_A}`, `long/${LONG_B}`],
  members: {
    member1: { imports: ['shop/web', 'blog/db'], exports: ['shop/api'] },
    member2: { imports: ['shop/web'], exports: [] },
    member3: { imports: ['other/hand-made'], exports: [] },
  },
  // shop/stale: a policy whose rule names member2 but no ServiceImport is cached for it.
  policies: [
    { key: 'shop/web', clusters: ['member1', 'member2'] },
    { key: 'shop/stale', clusters: ['member2'] },
  ],
  // other/only-cp: status.clusters lists member5, of which nothing is cached (its export went while it was out of sight).
  listed: [
    { key: 'shop/api', clusters: ['member1'] },
    { key: 'other/only-cp', clusters: ['member5'] },
  ],
});

const up: MemberFacts = { reachable: true, crdInstalled: true };
const upNoCrd: MemberFacts = { reachable: true, crdInstalled: false };
const down: MemberFacts = { reachable: false, crdInstalled: true };
const downNoCrd: MemberFacts = { reachable: false, crdInstalled: false };
const ALL_CP = ['blog/db', `long/${LONG_A}`, `long/${LONG_B}`, 'other/only-cp', 'shop/api', 'shop/web'];
const policyEvent = (namespace: string, name: string, serviceImport?: string): KeyEvent => ({ kind: 'policy', namespace, name, serviceImport });

const cases: Array<{ name: string; event: KeyEvent; keys: string[] }> = [
  { name: 'a namespace: every key in it, from the control plane, the members and our policies', event: { kind: 'namespace', namespace: 'shop' }, keys: ['shop/api', 'shop/stale', 'shop/web'] },
  { name: 'a namespace nothing lives in: none', event: { kind: 'namespace', namespace: 'kube-system' }, keys: [] },
  { name: 'a namespace whose name prefixes another: only its own keys', event: { kind: 'namespace', namespace: 'sho' }, keys: [] },
  { name: 'a member becomes reachable: its imports and exports', event: { kind: 'member', cluster: 'member1', before: down, after: up }, keys: ['blog/db', 'shop/api', 'shop/web'] },
  { name: 'a member becomes unreachable: the same keys', event: { kind: 'member', cluster: 'member1', before: up, after: down }, keys: ['blog/db', 'shop/api', 'shop/web'] },
  { name: 'a member named by a policy without a cached import: the policy\'s key too', event: { kind: 'member', cluster: 'member2', before: down, after: up }, keys: ['shop/stale', 'shop/web'] },
  { name: 'a member dropped: its keys, while its caches are still readable', event: { kind: 'member', cluster: 'member3', before: up, after: NO_MEMBER }, keys: ['other/hand-made'] },
  { name: 'a member just engaged, nothing cached, no policy naming it: none', event: { kind: 'member', cluster: 'member4', before: NO_MEMBER, after: NO_MEMBER }, keys: [] },
  { name: 'its CRD changes, still installed: only its own keys', event: { kind: 'member', cluster: 'member2', before: up, after: up }, keys: ['shop/stale', 'shop/web'] },
  { name: 'its CRD removed while reachable: every control-plane key (CRDMissing)', event: { kind: 'member', cluster: 'member2', before: up, after: upNoCrd }, keys: [...ALL_CP, 'shop/stale'].sort() },
  { name: 'its CRD installed while reachable: every control-plane key (CRDMissing clears)', event: { kind: 'member', cluster: 'member3', before: upNoCrd, after: up }, keys: [...ALL_CP, 'other/hand-made'].sort() },
  { name: 'reachable without the CRD: every control-plane key', event: { kind: 'member', cluster: 'member4', before: downNoCrd, after: upNoCrd }, keys: ALL_CP },
  { name: 'the CRD appears while still unreachable: only its own keys', event: { kind: 'member', cluster: 'member3', before: downNoCrd, after: down }, keys: ['other/hand-made'] },
  { name: 'a member status.clusters lists, nothing of it cached: the keys listing it', event: { kind: 'member', cluster: 'member5', before: NO_MEMBER, after: up }, keys: ['other/only-cp'] },
  { name: 'our policy: its own key', event: policyEvent('shop', 'clusterset-dns-web', 'web'), keys: ['shop/web'] },
  { name: 'our policy whose ServiceImport is not cached: its key still (the policy may have to go)', event: policyEvent('shop', 'clusterset-dns-stale', 'stale'), keys: ['shop/stale'] },
  { name: 'someone else\'s policy at the name ours for shop/api would have: that key only, not its namespace', event: policyEvent('shop', 'clusterset-dns-api'), keys: ['shop/api'] },
  { name: 'someone else\'s policy at a hashed long name: only the import whose name hashes to it', event: policyEvent('long', overridePolicyName(LONG_B)), keys: [`long/${LONG_B}`] },
  { name: 'someone else\'s policy at a name none of ours would have: none', event: policyEvent('shop', 'rate-limits'), keys: [] },
  { name: 'someone else\'s policy at our name in another namespace: none', event: policyEvent('blog', 'clusterset-dns-web'), keys: [] },
];

describe('keysForEvent', () => {
  for (const c of cases) {
    it(c.name, () => {
      expect(keysForEvent(c.event, world)).to.deep.equal(c.keys);
    });
  }
});
