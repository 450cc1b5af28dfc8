import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { CRD_SOURCES, MCS_CRD_FILES, crdPath, renderCrd } from './gen-crds.js';

describe('crds/', () => {
  for (const source of CRD_SOURCES) {
    for (const f of MCS_CRD_FILES) {
      it(`${source.name}: ${f} matches the pinned ${source.module} module (run npm run gen:crds if not)`, function () {
        this.timeout(120_000); // may download the module on a cold machine
        expect(readFileSync(crdPath(source, f), 'utf8')).to.equal(renderCrd(source, f));
      });
    }
  }
});
