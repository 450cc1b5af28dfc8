import { expect } from 'chai';
import { DEFAULT_LOCATION } from './location.js';
import { installPermissionChecks, uninstallPermissionChecks } from './permissions.js';
import { COREDNS_ROLE_NAME } from './rbac.js';

describe('coredns install and uninstall: permission checks', () => {
  it('asks for the ConfigMap update first, only when the Corefile changes, then apply (patch + create) on the RBAC', () => {
    const checks = installPermissionChecks(DEFAULT_LOCATION, true);
    expect(checks[0]).to.deep.equal({ verb: 'update', group: '', resource: 'configmaps', namespace: 'kube-system', name: 'coredns' });
    expect(checks.slice(1).map((c) => `${c.verb} ${c.resource} ${c.name}`)).to.deep.equal([
      `patch clusterroles ${COREDNS_ROLE_NAME}`, `create clusterroles ${COREDNS_ROLE_NAME}`,
      `patch clusterrolebindings ${COREDNS_ROLE_NAME}`, `create clusterrolebindings ${COREDNS_ROLE_NAME}`,
    ]);
    expect(installPermissionChecks(DEFAULT_LOCATION, false).some((c) => c.resource === 'configmaps')).to.equal(false);
  });

  it('uninstall asks for the ConfigMap update and the rollout patch only when it will do them, then delete on the binding before the role', () => {
    const all = uninstallPermissionChecks(DEFAULT_LOCATION, true, true).map((c) => `${c.verb} ${c.resource} ${c.name}`);
    expect(all).to.deep.equal([
      'update configmaps coredns', 'patch deployments coredns',
      `delete clusterrolebindings ${COREDNS_ROLE_NAME}`, `delete clusterroles ${COREDNS_ROLE_NAME}`,
    ]);
    expect(uninstallPermissionChecks(DEFAULT_LOCATION, false, false).map((c) => c.verb)).to.deep.equal(['delete', 'delete']);
  });
});
