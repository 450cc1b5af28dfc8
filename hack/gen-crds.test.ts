import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { MCS_CRD_FILES, crdPath, renderCrd } from './gen-crds.js';

describe('crds/', () => {
  for (const f of MCS_CRD_FILES) {
    it(`${f} matches the pinned Karmada module (run npm run gen:crds if not)`, function () {
      this.timeout(120_000); // may download the Karmada module on a cold machine
      expect(readFileSync(crdPath(f), 'utf8')).to.equal(renderCrd(f));
    });
  }
});
