import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from './flags.js';
import { loadKubeConfig } from './kubeconfig.js';

const kubeconfig = (current: string, ...contexts: string[]) => `apiVersion: v1
kind: Config
current-context: ${current}
clusters:
- name: c
  cluster: { server: https://127.0.0.1:6443 }
users:
- name: u
  user: { token: t }
contexts:
${contexts.map((n) => `- name: ${n}\n  context: { cluster: c, user: u }`).join('\n')}
`;

describe('cmd/internal/kubeconfig', () => {
  let dir: string;
  let file: string;
  let envFile: string;
  let savedEnv: string | undefined;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kubeconfig-test-'));
    file = join(dir, 'given');
    envFile = join(dir, 'from-env');
    writeFileSync(file, kubeconfig('a', 'a', 'b'));
    writeFileSync(envFile, kubeconfig('env', 'env'));
    savedEnv = process.env['KUBECONFIG'];
    process.env['KUBECONFIG'] = envFile;
  });
  after(() => {
    if (savedEnv === undefined) delete process.env['KUBECONFIG'];
    else process.env['KUBECONFIG'] = savedEnv;
    rmSync(dir, { recursive: true, force: true });
  });

  for (const whenNoPath of ['in-cluster', 'default'] as const) {
    it(`a path is read alone, whatever the fallback (${whenNoPath})`, () => {
      expect(loadKubeConfig({ path: file, context: '', whenNoPath }).getCurrentContext()).to.equal('a');
      expect(loadKubeConfig({ path: file, context: 'b', whenNoPath }).getCurrentContext()).to.equal('b');
    });
  }

  it('no path, default: client-node\'s chain, which starts at $KUBECONFIG', () => {
    expect(loadKubeConfig({ path: '', context: '', whenNoPath: 'default' }).getCurrentContext()).to.equal('env');
  });

  it('no path, in-cluster: the service account only, never $KUBECONFIG', () => {
    expect(loadKubeConfig({ path: '', context: '', whenNoPath: 'in-cluster' }).getCurrentContext()).to.equal('inClusterContext');
  });

  it('a context that is not there is a usage error naming where it looked', () => {
    const err = (source: Parameters<typeof loadKubeConfig>[0]) => {
      try {
        loadKubeConfig(source);
      } catch (e) {
        expect(e).to.be.instanceOf(UsageError);
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    expect(err({ path: file, context: 'x', whenNoPath: 'in-cluster' })).to.equal(`context "x" not found in ${file}`);
    expect(err({ path: '', context: 'x', whenNoPath: 'in-cluster' })).to.equal('context "x" not found in in-cluster config');
    expect(err({ path: file, context: 'x', whenNoPath: 'default', flag: '--kubeconfig' })).to.equal(`context "x" not found in --kubeconfig ${file}`);
    expect(err({ path: '', context: 'x', whenNoPath: 'default', flag: '--kubeconfig' })).to.equal('context "x" not found in --kubeconfig (default kubeconfig)');
  });
});
