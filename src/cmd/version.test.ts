import { expect } from 'chai';
import { version } from './version.js';

describe('clusterset-dns version', () => {
  const INFO = { version: '0.1.0', commit: '4d4232f', nodeVersion: 'v20.19.0' };
  const run = (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = version(argv, { stdout: (s) => void out.push(s), stderr: (s) => void err.push(s) }, INFO);
    return { code, out: out.join(''), err: err.join('') };
  };

  const cases: Array<{ argv: string[]; code: number; out?: string; err?: RegExp }> = [
    { argv: [], code: 0, out: 'clusterset-dns 0.1.0 (commit 4d4232f, node v20.19.0)\n' },
    { argv: ['-o', 'json'], code: 0, out: '{"version":"0.1.0","commit":"4d4232f","nodeVersion":"v20.19.0"}\n' },
    { argv: ['--output=json'], code: 0, out: '{"version":"0.1.0","commit":"4d4232f","nodeVersion":"v20.19.0"}\n' },
    { argv: ['--output', 'text'], code: 0, out: 'clusterset-dns 0.1.0 (commit 4d4232f, node v20.19.0)\n' },
    { argv: ['-o', 'table'], code: 0, out: 'clusterset-dns 0.1.0 (commit 4d4232f, node v20.19.0)\n' },
    { argv: ['-o', 'yaml'], code: 2, err: /^clusterset-dns version: --output: want table or json, got "yaml"; see clusterset-dns version --help\n$/ },
    { argv: ['--commit'], code: 2, err: /^clusterset-dns version: unknown flag --commit; see clusterset-dns version --help\n$/ },
    { argv: ['extra'], code: 2, err: /^clusterset-dns version: unexpected argument "extra"; see clusterset-dns version --help\n$/ },
  ];
  for (const c of cases) {
    it(`${c.argv.join(' ') || '(no flags)'} → exit ${c.code}`, () => {
      const r = run(c.argv);
      expect(r.code).to.equal(c.code);
      if (c.out !== undefined) expect(r.out).to.equal(c.out);
      if (c.err) {
        expect(r.err).to.match(c.err);
        expect(r.out).to.equal('');
      }
    });
  }

  for (const help of [['-h'], ['--help']]) {
    it(`${help.join(' ')} prints the usage`, () => {
      const r = run(help);
      expect(r.code).to.equal(0);
      expect(r.out).to.match(/^Usage: clusterset-dns version \[-o json\]/);
    });
  }
});
