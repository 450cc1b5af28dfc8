import { expect } from 'chai';
import { COREDNS_ACTIONS, COREDNS_HELP, coredns } from './coredns.js';
import { CRDS_ACTIONS, CRDS_HELP, crds } from './crds.js';
import { DOCTOR_HELP, doctor } from './doctor.js';
import type { Io } from './internal/io.js';
import { KARMADA_ACTIONS, KARMADA_HELP, karmada } from './karmada.js';
import { RUN_HELP, run } from './run.js';
import { VERSION_HELP } from './version.js';

describe('clusterset-dns --help texts', () => {
  for (const [name, help] of [['run', RUN_HELP], ['coredns', COREDNS_HELP], ['crds', CRDS_HELP], ['doctor', DOCTOR_HELP], ['karmada', KARMADA_HELP], ['version', VERSION_HELP]] as const) {
    it(`${name}: points only at docs in the repository, never at internal decision codes`, () => {
      expect(help).not.to.match(/\bD[1-9]\b/);
      expect(help).not.to.match(/§/);
      for (const doc of help.match(/\S+\.md\b/g) ?? []) expect(doc).to.match(/^\(?docs\/[a-z-]+\.md$/);
    });
  }
});

describe('clusterset-dns: -h and --help on every subcommand and action', () => {
  const commands: Array<[string, (argv: string[], io: Io) => Promise<number>, readonly string[]]> = [
    ['run', run, []],
    ['doctor', doctor, []],
    ['coredns', coredns, COREDNS_ACTIONS.map((a) => a.name)],
    ['karmada', karmada, KARMADA_ACTIONS.map((a) => a.name)],
    ['crds', crds, CRDS_ACTIONS.map((a) => a.name)],
  ];
  for (const [name, command, actions] of commands) {
    for (const action of [undefined, ...actions]) {
      for (const flag of ['-h', '--help']) {
        const argv = [...(action ? [action] : []), flag];
        it(`${name} ${argv.join(' ')}: the help on stdout, exit 0`, async () => {
          let out = '';
          let err = '';
          expect(await command(argv, { stdout: (s) => { out += s; }, stderr: (s) => { err += s; } })).to.equal(0);
          expect(err).to.equal('');
          expect(out).to.match(new RegExp(`^Usage: clusterset-dns ${name} ${action ? `${action} ` : ''}`));
          expect(out).to.match(/^ {2}-h, --help\n/m);
          if (name !== 'run') expect(out).to.match(/^ {2}-o, --output=STRING\n/m);
        });
      }
    }
  }
});
