import { expect } from 'chai';
import { COREDNS_HELP } from './coredns.js';
import { DOCTOR_HELP } from './doctor.js';
import { KARMADA_HELP } from './karmada.js';
import { RUN_HELP } from './run.js';
import { VERSION_HELP } from './version.js';

describe('clusterset-dns --help texts', () => {
  for (const [name, help] of [['run', RUN_HELP], ['coredns', COREDNS_HELP], ['doctor', DOCTOR_HELP], ['karmada', KARMADA_HELP], ['version', VERSION_HELP]] as const) {
    it(`${name}: points only at docs in the repository, never at internal decision codes`, () => {
      expect(help).not.to.match(/\bD[1-9]\b/);
      expect(help).not.to.match(/§/);
      for (const doc of help.match(/\S+\.md\b/g) ?? []) expect(doc).to.match(/^\(?docs\/[a-z-]+\.md$/);
    });
  }
});
