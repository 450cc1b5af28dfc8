import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from './flags.js';
import { loadKubeConfig, type KubeConfigSource } from './kubeconfig.js';

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
  // Made now, not in before(): the tables below name these paths.
  const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-test-'));
  const file = join(dir, 'given');
  const envFile = join(dir, 'from-env');
  const noCurrent = join(dir, 'no-current');
  const dangling = join(dir, 'dangling');
  const junk = join(dir, 'junk');
  const IN_POD = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };
  before(() => {
    writeFileSync(file, kubeconfig('a', 'a', 'b'));
    writeFileSync(envFile, kubeconfig('env', 'env'));
    writeFileSync(noCurrent, kubeconfig('', 'a', 'b'));
    writeFileSync(dangling, kubeconfig('a', 'a').replace('{ cluster: c,', '{ cluster: gone,'));
    writeFileSync(junk, ': : :\n\t-');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const load = (source: Partial<KubeConfigSource>, env: Record<string, string> = {}) =>
    loadKubeConfig({ path: '', context: '', whenNoPath: 'default', ...source }, env).getCurrentContext();

  for (const whenNoPath of ['in-cluster', 'default'] as const) {
    it(`a path is read alone, before $KUBECONFIG, whatever the fallback (${whenNoPath})`, () => {
      expect(load({ path: file, whenNoPath }, { KUBECONFIG: envFile })).to.equal('a');
      expect(load({ path: file, context: 'b', whenNoPath })).to.equal('b');
    });
    it(`no path: $KUBECONFIG, whatever the fallback (${whenNoPath})`, () => {
      expect(load({ whenNoPath }, { KUBECONFIG: envFile, ...IN_POD })).to.equal('env');
    });
  }

  it('several files in $KUBECONFIG: the error names the one that failed', () => {
    expect(() => load({}, { KUBECONFIG: `${envFile}:/nope` })).to.throw(UsageError, `$KUBECONFIG (${envFile}:/nope): /nope: no such file`);
  });

  it('$KUBECONFIG holds several files, merged (client-node refuses a name defined twice)', () => {
    const other = join(dir, 'other');
    writeFileSync(other, kubeconfig('o', 'o').replace(/name: c\b/, 'name: c2').replace('cluster: c,', 'cluster: c2,').replace(/name: u\b/, 'name: u2').replace('user: u }', 'user: u2 }'));
    expect(load({ context: 'o' }, { KUBECONFIG: `${envFile}:${other}` })).to.equal('o');
    expect(() => load({}, { KUBECONFIG: `${envFile}:${envFile}` })).to.throw(UsageError, /not a valid kubeconfig \(Duplicate cluster: c\)/);
  });

  it('no path, no $KUBECONFIG, in-cluster: the service account in a pod', () => {
    expect(load({ whenNoPath: 'in-cluster' }, IN_POD)).to.equal('inClusterContext');
  });

  const bad: Array<[string, Partial<KubeConfigSource>, Record<string, string>, string | RegExp]> = [
    ['a file that is not there', { path: '/nonexistent' }, {}, '--kubeconfig /nonexistent: no such file; give --kubeconfig the path of a kubeconfig file'],
    ['a directory', { path: dir }, {}, /^--kubeconfig \S+: is a directory, not a kubeconfig file; give --kubeconfig/],
    ['an unparseable file', { path: junk }, {}, /^--kubeconfig \S+junk: not a valid kubeconfig \(/],
    ['a member flag names itself', { path: '/nonexistent', flag: '--member-kubeconfig' }, {}, /^--member-kubeconfig \/nonexistent: .*give --member-kubeconfig the path/],
    ['a file in $KUBECONFIG that is not there', {}, { KUBECONFIG: '/nope' }, '$KUBECONFIG (/nope): no such file; fix or unset KUBECONFIG, or give --kubeconfig PATH'],
    ['not a pod, nothing given (run)', { whenNoPath: 'in-cluster' }, {}, 'no kubeconfig: --kubeconfig and $KUBECONFIG are empty and this is not a pod (no in-cluster config); give --kubeconfig PATH'],
    ['a context that is not there', { context: 'x' }, { KUBECONFIG: envFile }, `context "x" not found in $KUBECONFIG (${envFile}) (it has: env); give --context one of those`],
    ['a context not in the in-cluster config', { whenNoPath: 'in-cluster', context: 'x' }, IN_POD, 'context "x" not found in in-cluster config (it has: inClusterContext); give --context one of those'],
    ['a member context', { context: 'x', contextFlag: '--member-context' }, { KUBECONFIG: envFile }, /give --member-context one of those$/],
    ['no current context', {}, { KUBECONFIG: noCurrent }, /has no current context \(it has: a, b\); give --context NAME$/],
    ['a context whose cluster is not there', { path: dangling }, {}, /context "a" in --kubeconfig \S+ names cluster "gone", which is not there/],
  ];
  for (const [name, source, env, want] of bad) {
    it(`usage error: ${name}`, () => {
      expect(() => load(source, env)).to.throw(UsageError, want);
    });
  }
});
