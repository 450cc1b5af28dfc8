import { expect } from 'chai';
import { ApiException } from '@kubernetes/client-node';
import type { ResourceInterpreterCustomization } from '../api/karmada.js';
import { desiredRetention, RETENTION_NAME, type RetentionState } from '../karmada/retention.js';
import { UsageError } from './internal/flags.js';
import { applyFailure, decideInstall, DEFAULT_LEASE_NAME, install, karmada, KARMADA_HELP, parseKarmadaArgs, status, statusLine, type KarmadaCommand, type RuleClient } from './karmada.js';
import { RUN_FLAGS } from './run.js';

const parse = (s: string) => parseKarmadaArgs(s.split(' ').filter((x) => x !== '')) as KarmadaCommand;

const foreign = (name: string, retention = 'function Retain(d, o) return d end'): ResourceInterpreterCustomization => ({
  metadata: { name },
  spec: { target: { apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceImport' }, customizations: { retention: { luaScript: retention } } },
});
const oursWithScript = (luaScript: string): ResourceInterpreterCustomization => {
  const r = desiredRetention();
  r.spec.customizations.retention = { luaScript };
  return r;
};
const unlabelled = (): ResourceInterpreterCustomization => {
  const r = desiredRetention();
  r.metadata.labels = {};
  return r;
};

describe('clusterset-dns karmada: arguments', () => {
  it('defaults: the default kubeconfig chain, 30 s per call, run\'s Lease', () => {
    expect(parse('install')).to.deep.equal({ action: 'install', kubeconfig: '', context: '', dryRun: false, timeoutMs: 30_000, lease: { namespace: 'karmada-system', name: 'clusterset-dns' }, memberAccess: 'proxy', output: 'table' });
  });

  it('every flag', () => {
    expect(parse('uninstall --kubeconfig /k --context karmada-apiserver --dry-run --timeout 5s --leader-election-namespace ops --leader-election-id cs --member-access direct -o json')).to.deep.equal({
      action: 'uninstall', kubeconfig: '/k', context: 'karmada-apiserver', dryRun: true, timeoutMs: 5000, lease: { namespace: 'ops', name: 'cs' }, memberAccess: 'direct', output: 'json',
    });
    expect(parse('install --dry-run').dryRun).to.equal(true);
  });

  it('the Lease defaults are run\'s', () => {
    const def = (n: string) => RUN_FLAGS.find((f) => f.name === n)?.default;
    expect(DEFAULT_LEASE_NAME).to.equal(def('leader-election-id'));
    expect(parse('uninstall').lease).to.deep.equal({ namespace: def('leader-election-namespace'), name: def('leader-election-id') });
  });

  it('help: the command\'s, or one action\'s', () => {
    for (const a of ['', '--help', 'help', '-h']) expect(parseKarmadaArgs(a.split(' ').filter((x) => x))).to.deep.equal({ help: undefined });
    for (const a of ['status --help', 'status -h', 'help status']) expect(parseKarmadaArgs(a.split(' ').filter((x) => x))).to.deep.equal({ help: 'status' });
  });

  const bad: Array<[string, RegExp]> = [
    ['frob', /unknown action "frob"; want install, status or uninstall/],
    ['status --dry-run', /--dry-run applies to install and uninstall only, not to status/],
    ['install --leader-election-id x', /--leader-election-id applies to uninstall only, not to install/],
    ['status --leader-election-namespace=x', /--leader-election-namespace applies to uninstall only/],
    ['status -o yaml', /--output: want table or json, got "yaml"/],
    ['uninstall --leader-election-id=', /must not be empty/],
    ['install --timeout 0s', /--timeout must be positive/],
    ['install --timeout soon', /invalid duration "soon"/],
    ['install --all', /unknown flag --all/],
    ['install extra', /unexpected argument "extra"/],
  ];
  for (const [args, want] of bad) {
    it(`usage error: ${args}`, () => {
      expect(() => parse(args)).to.throw(UsageError, want);
    });
  }

  it('a usage error exits 2 and says where the help is; --help exits 0', async () => {
    let err = '';
    let out = '';
    const io = { stdout: (s: string) => { out += s; }, stderr: (s: string) => { err += s; } };
    expect(await karmada(['status', '--dry-run'], io)).to.equal(2);
    expect(err).to.match(/^clusterset-dns karmada status: --dry-run applies.*; see clusterset-dns karmada status --help\n$/);
    expect(await karmada(['--help'], io)).to.equal(0);
    expect(out).to.equal(KARMADA_HELP);
    out = '';
    expect(await karmada(['status', '-h'], io)).to.equal(0);
    expect(out).to.match(/^Usage: clusterset-dns karmada status /);
    expect(out).to.include('Refused by status, as they apply to other actions: --dry-run (install, uninstall); --leader-election-namespace, --leader-election-id, --member-access (uninstall).');
  });
});

describe('clusterset-dns karmada install: what it does', () => {
  const cases: Array<{ name: string; list: ResourceInterpreterCustomization[]; want: ReturnType<typeof decideInstall>['kind']; message?: RegExp }> = [
    { name: 'nothing there: apply', list: [], want: 'apply' },
    { name: 'ours, another version: apply (update)', list: [oursWithScript('function Retain(d, o) return d end')], want: 'apply' },
    { name: 'ours, this version: nothing to write', list: [desiredRetention()], want: 'unchanged' },
    { name: 'another customization holds the retention: refuse, naming it, and say the fallback', list: [foreign('lighthouse-si')], want: 'refuse', message: /held by ResourceInterpreterCustomization lighthouse-si, so ours cannot be installed.*OverridePolicies instead \(--write-route=auto/ },
    { name: 'several: all named', list: [foreign('b'), foreign('a'), desiredRetention()], want: 'refuse', message: /ResourceInterpreterCustomizations a, b/ },
    { name: 'an object with our name but not our label: refuse, never overwrite', list: [unlabelled()], want: 'refuse', message: /exists without the label app\.kubernetes\.io\/managed-by=clusterset-dns: it is not ours/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = decideInstall(c.list);
      expect(d.kind).to.equal(c.want);
      if (c.message) expect(d.kind === 'refuse' ? d.message : '').to.match(c.message);
    });
  }

  const denied = (msg: string) => new ApiException(403, 'x', JSON.stringify({ kind: 'Status', code: 403, message: msg }), {});
  const failures: Array<[string, unknown, RegExp]> = [
    ['the webhook names the customization it conflicts with',
      denied('admission webhook "resourceinterpretercustomization.karmada.io" denied the request: conflicting with InterpreterOperation(Retain) of existing ResourceInterpreterCustomization(lighthouse-si)'),
      /^Karmada's webhook refused clusterset-dns-serviceimport-ips: ServiceImport's retention is already held by ResourceInterpreterCustomization lighthouse-si \(admission webhook .*\)\. The controller will write spec\.ips through OverridePolicies instead/],
    ['the webhook refuses for another reason',
      denied('admission webhook "resourceinterpretercustomization.karmada.io" denied the request: InterpreterOperation(Retain) Lua script error: <string> line:3'),
      /^Karmada's webhook refused clusterset-dns-serviceimport-ips: it did not accept the customization \(.*Lua script error.*\)\. The controller will write/],
    ['our own rights are missing',
      new ApiException(403, 'x', JSON.stringify({ code: 403, message: 'resourceinterpretercustomizations.config.karmada.io is forbidden: User "system:serviceaccount:karmada-system:clusterset-dns" cannot patch resource' }), {}),
      /^cannot apply clusterset-dns-serviceimport-ips: HTTP 403: .*forbidden.*install needs create and patch on resourceinterpretercustomizations\.config\.karmada\.io: run it as an operator/],
    ['anything else: the API\'s message', new Error('connect ECONNREFUSED 127.0.0.1:1'), /^cannot apply clusterset-dns-serviceimport-ips: connect ECONNREFUSED/],
  ];
  for (const [name, e, want] of failures) {
    it(`apply failure: ${name}`, () => {
      expect(applyFailure(e)).to.match(want);
    });
  }
});

describe('clusterset-dns karmada install/status: with a fake control plane', () => {
  function fake(lists: ResourceInterpreterCustomization[][], applyError?: unknown) {
    const calls: Array<{ name: string; dryRun: boolean }> = [];
    let i = 0;
    const client: RuleClient = {
      listCustomizations: async () => lists[Math.min(i++, lists.length - 1)] ?? [],
      applyCustomization: async (obj, dryRun) => {
        calls.push({ name: obj.metadata.name, dryRun });
        if (applyError) throw applyError;
        return obj;
      },
    };
    const out = { stdout: '', stderr: '' };
    return { client, calls, out, io: { stdout: (s: string) => { out.stdout += s; }, stderr: (s: string) => { out.stderr += s; } } };
  }

  it('installs when missing, reads it back, exits 0', async () => {
    const f = fake([[], [desiredRetention()]]);
    expect(await install({ dryRun: false }, f.client, f.io)).to.equal(0);
    expect(f.calls).to.deep.equal([{ name: RETENTION_NAME, dryRun: false }]);
    expect(f.out.stdout).to.match(/^installed ResourceInterpreterCustomization clusterset-dns-serviceimport-ips\. Now installed:/);
  });

  it('a conflicting rule appearing at the same moment makes the install fail', async () => {
    const f = fake([[], [desiredRetention(), foreign('other')]]);
    expect(await install({ dryRun: false }, f.client, f.io)).to.equal(1);
    expect(f.out.stdout).to.match(/Now conflict: .*other/);
  });

  it('writes nothing when already installed, nor when refused', async () => {
    const same = fake([[desiredRetention()]]);
    expect(await install({ dryRun: false }, same.client, same.io)).to.equal(0);
    expect(same.out.stdout).to.match(/^unchanged: installed:/);
    const refused = fake([[foreign('lighthouse-si')]]);
    expect(await install({ dryRun: false }, refused.client, refused.io)).to.equal(1);
    expect(refused.out.stderr).to.match(/^clusterset-dns karmada install: ServiceImport's retention is already held by ResourceInterpreterCustomization lighthouse-si/);
    expect([...same.calls, ...refused.calls]).to.deep.equal([]);
  });

  it('--dry-run prints the object and asks the server with dryRun only', async () => {
    const f = fake([[]]);
    expect(await install({ dryRun: true }, f.client, f.io)).to.equal(0);
    expect(f.calls).to.deep.equal([{ name: RETENTION_NAME, dryRun: true }]);
    expect(f.out.stdout).to.match(/^apiVersion: config\.karmada\.io\/v1alpha1\nkind: ResourceInterpreterCustomization\n/);
    expect(f.out.stdout).to.include('      luaScript: |\n        function Retain(desiredObj, observedObj)\n');
    expect(f.out.stdout).to.match(/dry run: would install .* Nothing was changed\.\n$/);
  });

  it('a webhook refusal exits 1 with the fallback', async () => {
    const f = fake([[]], new ApiException(403, 'x', JSON.stringify({ message: 'admission webhook "x" denied the request: conflicting with InterpreterOperation(Retain) of existing ResourceInterpreterCustomization(y)' }), {}));
    expect(await install({ dryRun: false }, f.client, f.io)).to.equal(1);
    expect(f.out.stderr).to.match(/webhook refused .* held by ResourceInterpreterCustomization y .*OverridePolicies instead/);
  });

  it('-o json: one document on stdout, refusals included, the object in a dry run', async () => {
    const refused = fake([[foreign('lighthouse-si')]]);
    expect(await install({ dryRun: false, output: 'json' }, refused.client, refused.io)).to.equal(1);
    expect(refused.out.stderr).to.equal('');
    expect(JSON.parse(refused.out.stdout)).to.deep.include({ action: 'install', ok: false, result: 'refused', dryRun: false });
    const dry = fake([[]]);
    expect(await install({ dryRun: true, output: 'json' }, dry.client, dry.io)).to.equal(0);
    const doc = JSON.parse(dry.out.stdout) as { result: string; customization: { metadata: { name: string } } };
    expect([doc.result, doc.customization.metadata.name]).to.deep.equal(['installed', RETENTION_NAME]);
    const st = fake([[foreign('x'), desiredRetention()]]);
    expect(await status(st.client, st.io, 'json')).to.equal(1);
    expect(JSON.parse(st.out.stdout)).to.deep.equal({ action: 'status', ok: false, state: 'conflict', owners: ['x'], message: statusLine({ state: 'conflict', owners: ['x'] }) });
  });

  const states: Array<[RetentionState['state'], ResourceInterpreterCustomization[], number, RegExp]> = [
    ['installed', [desiredRetention()], 0, /^installed: .*--write-route=auto writes spec\.ips in the members/],
    ['outdated', [oursWithScript('function Retain(d, o) return d end')], 0, /^outdated: .*so it is used; clusterset-dns karmada install updates it/],
    ['missing', [], 1, /^missing: no retention rule for ServiceImport\. The controller will write spec\.ips through OverridePolicies.*karmada install/],
    ['conflict', [foreign('x'), desiredRetention()], 1, /^conflict: ServiceImport's retention is already held by ResourceInterpreterCustomization x; .*OverridePolicies/],
  ];
  for (const [state, list, code, line] of states) {
    it(`status: ${state} → exit ${code}`, async () => {
      const f = fake([list]);
      expect(await status(f.client, f.io)).to.equal(code);
      expect(f.out.stdout).to.match(line);
      expect(f.out.stdout).to.equal(`${statusLine(state === 'conflict' ? { state, owners: ['x'] } : { state })}\n`);
    });
  }
});
