import { expect } from 'chai';
import { conditionalPolicyPatch, desiredOverridePolicy, MODES_ANNOTATION } from './overridepolicy.js';

describe('conditionalPolicyPatch: our whole policy as a merge patch conditional on a resourceVersion', () => {
  const si = { name: 'web', uid: 'u1' };
  const cases = [
    { name: 'no local-first modes: the modes annotation is removed', modes: {}, wantModes: null },
    { name: 'with modes: the annotation is set', modes: { member2: 'local' }, wantModes: 'member2=local' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const desired = desiredOverridePolicy('ns', si, { member2: ['10.98.0.7'] }, c.modes);
      const patch = conditionalPolicyPatch(desired, '41') as { metadata: Record<string, unknown> & { annotations: Record<string, unknown> }; spec: Record<string, unknown> };
      expect(patch.metadata['resourceVersion']).to.equal('41');
      expect(patch.metadata.annotations[MODES_ANNOTATION]).to.equal(c.wantModes);
      expect(patch.metadata['labels']).to.deep.equal(desired.metadata.labels);
      expect(patch.metadata['ownerReferences']).to.deep.equal(desired.metadata.ownerReferences);
      // The deprecated top-level overriders someone may have added are removed; selectors and rules are ours, whole.
      expect(patch.spec).to.deep.equal({ targetCluster: null, overriders: null, ...desired.spec });
    });
  }
});
