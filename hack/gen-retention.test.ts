import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { kustomizeResources } from '../test/env/controller.js';
import { desiredRetention } from '../src/karmada/retention.js';
import { RETENTION_MANIFEST, renderRetention } from './gen-retention.js';

// `kubectl apply -k config/karmada` and `clusterset-dns karmada install` must put the same
// object in the control plane, or `karmada status` would call a fresh manifest install outdated.
describe('config/karmada/retention.yaml', () => {
  it('is byte for byte what desiredRetention() renders (run npm run gen:retention if not)', () => {
    expect(readFileSync(RETENTION_MANIFEST, 'utf8')).to.equal(renderRetention());
  });

  it('is part of the kustomization, and parses back to desiredRetention()', () => {
    const rics = kustomizeResources(dirname(RETENTION_MANIFEST)).filter((o) => o.kind === 'ResourceInterpreterCustomization');
    expect(rics).to.deep.equal([desiredRetention()]);
  });
});
