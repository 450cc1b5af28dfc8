/**
 * config/karmada/admission-policy.yaml, the ValidatingAdmissionPolicy that
 * holds the controller's OverridePolicy writes to what it writes, is applied
 * with config/karmada, bound so that it refuses, aimed at exactly the
 * identity config/karmada lets write OverridePolicies, and says in CEL what
 * src/serviceimport/overridepolicy.ts writes. Only an API server evaluates
 * the CEL: test/e2e/admission-policy.test.ts checks what it admits and
 * refuses on the local environment's Karmada API server.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { kustomizeResources } from '../../test/env/controller.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../api/meta.js';
import { KARMADA_POLICY_GROUP, MCS_API_VERSION } from '../kube/gvr.js';
import { HASH_LENGTH, MAX_NAME_LENGTH, OVERRIDE_POLICY_PREFIX, desiredOverridePolicy } from '../serviceimport/overridepolicy.js';

const ROOT = join(import.meta.dirname, '..', '..');

interface Expression { name?: string; expression: string; message?: string; reason?: string }
interface AdmissionPolicy extends KubernetesObject {
  spec: {
    failurePolicy?: string;
    matchConstraints?: { resourceRules?: unknown[] };
    matchConditions?: Expression[];
    variables?: Expression[];
    validations?: Expression[];
  };
}
interface PolicyBinding extends KubernetesObject {
  spec: { policyName?: string; validationActions?: string[]; matchResources?: unknown; paramRef?: unknown };
}
interface Rule { apiGroups?: string[]; resources?: string[]; verbs?: string[] }
interface Binding extends KubernetesObject {
  roleRef: { kind: string; name: string };
  subjects?: Array<{ kind: string; name: string; namespace?: string }>;
}

const shipped = kustomizeResources(join(ROOT, 'config', 'karmada'));
const policies = shipped.filter((o) => o.kind === 'ValidatingAdmissionPolicy') as AdmissionPolicy[];
const bindings = shipped.filter((o) => o.kind === 'ValidatingAdmissionPolicyBinding') as PolicyBinding[];

/** The user name the API server gives a ServiceAccount's token. */
const serviceAccountUser = (namespace: string | undefined, name: string) => `system:serviceaccount:${namespace ?? ''}:${name}`;

/** Every user config/karmada lets create OverridePolicies: the subjects bound to a ClusterRole that grants it. */
function overridePolicyWriters(objects: readonly KubernetesObject[]): string[] {
  const roles = new Set(objects
    .filter((o) => o.kind === 'ClusterRole' && ((o as { rules?: Rule[] }).rules ?? []).some((r) =>
      r.apiGroups?.includes(KARMADA_POLICY_GROUP) && r.resources?.includes('overridepolicies') && r.verbs?.includes('create')))
    .map((o) => o.metadata?.name));
  return objects
    .filter((o): o is Binding => o.kind === 'ClusterRoleBinding' && roles.has((o as Binding).roleRef.name))
    .flatMap((b) => (b.subjects ?? []).map((s) => (s.kind === 'ServiceAccount' ? serviceAccountUser(s.namespace, s.name) : `${s.kind} ${s.name}`)));
}

describe('config/karmada/admission-policy.yaml', () => {
  const policy = policies[0]!;
  const cel = [...(policy?.spec.variables ?? []), ...(policy?.spec.validations ?? [])].map((e) => e.expression).join('\n');

  it('is applied with config/karmada: one policy and one binding', () => {
    expect(policies.map((p) => p.metadata?.name)).to.deep.equal(['clusterset-dns-overridepolicies']);
    expect(bindings.map((b) => b.metadata?.name)).to.deep.equal(['clusterset-dns-overridepolicies']);
  });

  it('is bound to refuse (Deny), on everything the policy matches, with no parameters', () => {
    const binding = bindings[0]!;
    expect(binding.spec.policyName).to.equal(policy.metadata?.name);
    expect(binding.spec.validationActions).to.deep.equal(['Deny']);
    expect(binding.spec.matchResources).to.equal(undefined);
    expect(binding.spec.paramRef).to.equal(undefined);
  });

  it('fails closed: a request it cannot evaluate is refused', () => {
    expect(policy.spec.failurePolicy).to.equal('Fail');
  });

  it('matches every OverridePolicy write: create, change (server-side apply and merge patch are UPDATEs) and delete', () => {
    expect(policy.spec.matchConstraints?.resourceRules).to.deep.equal([
      { apiGroups: [KARMADA_POLICY_GROUP], apiVersions: ['*'], operations: ['CREATE', 'UPDATE', 'DELETE'], resources: ['overridepolicies'] },
    ]);
  });

  it('matches only the identity config/karmada lets write OverridePolicies, its ServiceAccount', () => {
    const writers = overridePolicyWriters(shipped);
    expect(writers).to.deep.equal(['system:serviceaccount:karmada-system:clusterset-dns']);
    const account = shipped.find((o) => o.kind === 'ServiceAccount');
    expect(serviceAccountUser(account?.metadata?.namespace, account?.metadata?.name ?? '')).to.equal(writers[0]);
    expect(policy.spec.matchConditions).to.deep.equal([{ name: 'the-controller-only', expression: `request.userInfo.username == '${writers[0]}'` }]);
  });

  it('refuses as Forbidden, each check with a one-line message of its own', () => {
    const validations = policy.spec.validations ?? [];
    expect(validations.length).to.be.greaterThan(0);
    for (const v of validations) {
      expect(v.reason, v.expression).to.equal('Forbidden');
      expect(v.message ?? '', v.expression).to.match(/^[^\n]+$/);
    }
    expect(new Set(validations.map((v) => v.message)).size).to.equal(validations.length);
  });

  it('says in CEL what overridepolicy.ts writes: the name, the label, the selector, the overriders', () => {
    const desired = desiredOverridePolicy('ns', { name: 'web', uid: 'u1' }, { member1: ['10.97.0.9'], member2: ['10.98.0.7'] }, { member2: 'local' });
    expect(desired.spec.resourceSelectors).to.deep.equal([{ apiVersion: MCS_API_VERSION, kind: 'ServiceImport', name: 'web' }]);
    const literals = [
      `'${OVERRIDE_POLICY_PREFIX}' + variables.serviceImport`,
      `'${MANAGED_BY_LABEL}'`,
      `== '${MANAGED_BY_VALUE}'`,
      `s.apiVersion == '${MCS_API_VERSION}' && s.kind == 'ServiceImport'`,
      // The shortened name: cut to leave room for '-' and the hash, which ends it.
      `size(variables.fullName) <= ${MAX_NAME_LENGTH}`,
      `size(variables.head) <= ${MAX_NAME_LENGTH - HASH_LENGTH - 1}`,
      `substring(size(variables.head), ${MAX_NAME_LENGTH - HASH_LENGTH - 1})`,
      `size(object.metadata.name) - ${HASH_LENGTH + 1})`,
      `'-[0-9a-f]{${HASH_LENGTH}}$'`,
      // Every plaintext operation the controller writes, and (with 'plaintext') no other overrider.
      ...desired.spec.overrideRules!.flatMap((r) => (r.overriders?.plaintext ?? []).map((p) => `p.path == '${p.path}' && p.operator == '${p.operator}'`)),
      // Every field it writes is on an allow-list; Karmada's webhook adds the selector's namespace.
      ...[desired.spec, ...desired.spec.resourceSelectors, ...desired.spec.overrideRules!, ...desired.spec.overrideRules!.map((r) => r.overriders!)]
        .flatMap((o) => Object.keys(o)).map((k) => `'${k}'`),
      `'namespace'`,
    ];
    expect(literals.filter((l) => !cel.includes(l))).to.deep.equal([]);
  });
});
