import { expect } from 'chai';
import { COREDNS_HELP, coredns, exitCode, formatOutcomes, parseCoreDnsArgs, type CoreDnsCommand, type Outcome } from './coredns.js';
import { UsageError } from './internal/flags.js';
import { summarizeStatus } from '../coredns/status.js';
import { KUBEADM_COREFILE } from '../../test/env/manifests.js';

const parse = (s: string) => parseCoreDnsArgs(s.split(' ').filter((x) => x !== '')) as CoreDnsCommand;

describe('clusterset-dns coredns: arguments', () => {
  it('--cluster takes a comma-separated list, through Karmada', () => {
    const c = parse('install --cluster member1,member2,member1 --kubeconfig /k --context karmada-apiserver');
    expect(c.action).to.equal('install');
    expect(c.target).to.deep.equal({ kind: 'karmada', kubeconfig: '/k', context: 'karmada-apiserver', clusters: ['member1', 'member2'], memberAccess: 'proxy' });
    expect(c.install).to.deep.equal({ location: { namespace: 'kube-system', deployment: 'coredns', configMap: 'coredns' }, zone: 'clusterset.local', rollout: { mode: 'auto', timeoutMs: 120_000 } });
    expect(c.output).to.equal('table');
    const direct = parse('install --cluster member1 --member-access direct');
    expect(direct.target).to.deep.include({ kind: 'karmada', memberAccess: 'direct' });
  });

  it('--all, and every install option', () => {
    const c = parse('install --all --zone=example.cs --coredns-namespace dns --coredns-deployment cd --coredns-configmap cm --coredns-version v1.11.3 --coredns-flavor=external --ttl 0 --header-ra-fix --output json');
    expect(c.target).to.deep.include({ kind: 'karmada', clusters: 'all' });
    expect(c.install).to.deep.equal({ location: { namespace: 'dns', deployment: 'cd', configMap: 'cm' }, zone: 'example.cs', flavor: 'external', version: '1.11.3', ttl: 0, headerRaFix: true, rollout: { mode: 'auto', timeoutMs: 120_000 } });
    expect(c.output).to.equal('json');
  });

  it('--rollout and --rollout-timeout, for install and uninstall', () => {
    expect(parse('install --all --rollout always --rollout-timeout 90s').install.rollout).to.deep.equal({ mode: 'always', timeoutMs: 90_000 });
    expect(parse('uninstall --all --rollout=never').install.rollout).to.deep.equal({ mode: 'never', timeoutMs: 120_000 });
  });

  it('--dry-run and --ignore-configmap-owner, for install only', () => {
    expect(parse('install --all --dry-run --ignore-configmap-owner').install).to.deep.include({ dryRun: true, ignoreConfigMapOwner: true });
    expect(parse('install --all').install).to.not.have.any.keys('dryRun', 'ignoreConfigMapOwner');
  });

  it('--member-kubeconfig reaches one member directly', () => {
    expect(parse('status --member-kubeconfig /m --member-context member1').target).to.deep.equal({ kind: 'direct', kubeconfig: '/m', context: 'member1' });
  });

  it('help: the command\'s, or one action\'s', () => {
    for (const a of ['', '--help', '-h', 'help']) expect(parseCoreDnsArgs(a.split(' ').filter((x) => x))).to.deep.equal({ help: undefined });
    for (const a of ['install --help', 'install -h', 'help install', 'install --all -h']) expect(parseCoreDnsArgs(a.split(' ').filter((x) => x))).to.deep.equal({ help: 'install' });
  });

  it('-o json is --output json', () => expect(parse('status --all -o json').output).to.equal('json'));

  const bad: Array<[string, RegExp]> = [
    ['frob --all', /unknown action "frob"/],
    ['install', /say which members: --cluster.*--all.*--member-kubeconfig/],
    ['install --all --cluster a', /either --cluster or --all/],
    ['install --cluster ,', /no cluster names/],
    ['install --all --member-access secret', /--member-access: want proxy or direct, got "secret"/],
    ['install --member-kubeconfig /m --member-access direct', /--member-kubeconfig reaches one directly/],
    ['install --member-kubeconfig /m --all', /do not combine/],
    ['install --member-context x --all', /needs --member-kubeconfig/],
    ['install --all --coredns-flavor=old', /in-tree or external/],
    ['install --all --ttl 3601', /0 to 3600/],
    ['install --all --ttl -1', /0 to 3600/],
    ['install --all --ttl 1.5', /0 to 3600/],
    ['install --all --coredns-version latest', /MAJOR\.MINOR\.PATCH/],
    ['install --all --output yaml', /table or json/],
    ['install --all --zone=', /--zone must not be empty/],
    ['uninstall --all --ttl 5', /--ttl applies to install only, not to uninstall/],
    ['uninstall --all --zone x', /--zone applies to install and status only, not to uninstall/],
    ['install --all --rollout sometimes', /--rollout: want auto, always, never, got "sometimes"/],
    ['install --all --rollout-timeout 0s', /--rollout-timeout must be positive/],
    ['install --all --rollout-timeout soon', /invalid duration "soon"/],
    ['status --all --rollout never', /--rollout applies to install and uninstall only, not to status/],
    ['status --all --rollout-timeout=1m --header-ra-fix', /--header-ra-fix applies to install only; --rollout-timeout applies to install and uninstall only, not to status/],
    ['uninstall --all --dry-run', /--dry-run applies to install only, not to uninstall/],
    ['status --all --ignore-configmap-owner', /--ignore-configmap-owner applies to install only, not to status/],
    ['install --all --nope', /unknown flag --nope/],
    ['install --all extra', /unexpected argument "extra"/],
  ];
  for (const [args, want] of bad) {
    it(`usage error: ${args}`, () => {
      expect(() => parse(args)).to.throw(UsageError, want);
    });
  }

  it('a usage error exits 2 with one line that says where the help is', async () => {
    let err = '';
    const code = await coredns(['install'], { stdout: () => {}, stderr: (s) => { err += s; } });
    expect(code).to.equal(2);
    expect(err).to.match(/^clusterset-dns coredns install: say which members: .*; see clusterset-dns coredns install --help\n$/);
  });

  it('ACTION --help lists the flags it takes, and those it refuses', async () => {
    let out = '';
    expect(await coredns(['status', '--help'], { stdout: (s) => { out += s; }, stderr: () => {} })).to.equal(0);
    expect(out).to.match(/^Usage: clusterset-dns coredns status /);
    for (const f of ['--cluster', '--all', '--zone', '--coredns-flavor', '--output', '--help']) expect(out).to.include(`${f}`);
    expect(out).not.to.match(/^ {2}--ttl/m);
    expect(out).to.include('Refused by status, as they apply to other actions: --ttl, --header-ra-fix, --dry-run, --ignore-configmap-owner (install); --rollout, --rollout-timeout (install, uninstall).');
  });

  it('--help exits 0 with every flag', async () => {
    let out = '';
    expect(await coredns(['--help'], { stdout: (s) => { out += s; }, stderr: () => {} })).to.equal(0);
    expect(out).to.equal(COREDNS_HELP);
    for (const f of ['--cluster', '--all', '--member-kubeconfig', '--zone', '--coredns-flavor', '--ttl', '--header-ra-fix', '--rollout=', '--rollout-timeout=', '--output']) expect(out).to.include(f);
    expect(out).to.match(/auto: only when no server block has the reload plugin/);
  });
});

describe('clusterset-dns coredns: output and exit code', () => {
  const ok: Outcome = { cluster: 'member1', kind: 'result', result: { kind: 'installed', message: 'added clusterset.local', flavor: 'in-tree' } };
  const refused: Outcome = { cluster: 'member2', kind: 'result', result: { kind: 'refused', message: 'CoreDNS v1.11.3 cannot serve' } };
  const unreachable: Outcome = { cluster: 'edge', kind: 'error', message: 'Push cluster edge has no spec.apiEndpoint' };
  const absent: Outcome = {
    cluster: 'member1',
    kind: 'status',
    status: summarizeStatus({ deployment: { ok: true, value: { spec: { selector: {}, template: { spec: { containers: [{ name: 'c', image: 'coredns:v1.14.7' }] } } } } }, configMap: { ok: true, value: { data: { Corefile: KUBEADM_COREFILE } } }, clusterRole: undefined, binding: undefined }),
  };

  const rolledBack: Outcome = { cluster: 'member2', kind: 'result', result: { kind: 'rolled-back', reason: 'not healthy within 120s', message: 'the CoreDNS rollout after install did not become healthy: not healthy within 120s; restored the previous Corefile' } };
  const failed: Outcome = { cluster: 'member2', kind: 'result', result: { kind: 'failed', message: 'putting the previous Corefile back failed too', previousCorefile: '.:53 {}\n' } };

  it('exit code: 0 when every member is ok (foreign and unchanged included), 1 otherwise', () => {
    expect(exitCode([ok, { cluster: 'x', kind: 'result', result: { kind: 'foreign', message: 'set up by Cilium' } }])).to.equal(0);
    expect(exitCode([ok, rolledBack])).to.equal(1);
    expect(exitCode([ok, failed])).to.equal(1);
    expect(exitCode([ok, refused])).to.equal(1);
    expect(exitCode([ok, unreachable])).to.equal(1);
    expect(exitCode([absent])).to.equal(0);
    expect(exitCode([])).to.equal(1);
  });

  it('a table for install, one row per member, messages unpadded', () => {
    expect(formatOutcomes('install', [ok, refused, unreachable], 'table')).to.equal(
      'CLUSTER  RESULT     MESSAGE\n' +
      'member1  installed  added clusterset.local\n' +
      'member2  refused    CoreDNS v1.11.3 cannot serve\n' +
      'edge     error      Push cluster edge has no spec.apiEndpoint\n',
    );
  });

  it('the table says how the change reached CoreDNS, and a rollback with its reason', () => {
    const restarted: Outcome = { cluster: 'member1', kind: 'result', result: { kind: 'installed', message: 'added clusterset.local', rollout: { mode: 'auto', action: 'restarted', reason: 'no server block has the reload plugin, so the pods must be restarted', deployment: 'healthy: Deployment kube-system/coredns: 2 of 2 replicas updated and available' } } };
    const reload: Outcome = { cluster: 'member3', kind: 'result', result: { kind: 'uninstalled', message: 'removed the clusterset stanza and RBAC', rollout: { mode: 'auto', action: 'reload', reason: 'CoreDNS reloads the Corefile itself: `reload` on line 21 (server block .:53)' } } };
    const out = formatOutcomes('install', [restarted, rolledBack, reload], 'table').split('\n');
    expect(out[1]).to.equal('member1  installed    added clusterset.local; rolled out (no server block has the reload plugin, so the pods must be restarted): healthy: Deployment kube-system/coredns: 2 of 2 replicas updated and available');
    expect(out[2]).to.match(/^member2  rolled-back  the CoreDNS rollout after install did not become healthy/);
    expect(out[3]).to.equal('member3  uninstalled  removed the clusterset stanza and RBAC; not rolled out: CoreDNS reloads the Corefile itself: `reload` on line 21 (server block .:53)');
    const j = JSON.parse(formatOutcomes('install', [rolledBack, failed], 'json')) as { ok: boolean; members: Array<Record<string, unknown>> };
    expect(j.ok).to.equal(false);
    expect(j.members[0]).to.deep.include({ ok: false, kind: 'rolled-back', reason: 'not healthy within 120s' });
    expect(j.members[1]).to.deep.include({ ok: false, kind: 'failed', previousCorefile: '.:53 {}\n' });
  });

  it('a table for status', () => {
    const out = formatOutcomes('status', [absent, unreachable], 'table').split('\n');
    expect(out[0]).to.match(/^CLUSTER\s+VERSION\s+FLAVOR\s+RBAC\s+COREFILE\s+SUMMARY$/);
    expect(out[1]).to.match(/^member1\s+v1\.14\.7\s+in-tree\s+absent\s+absent\s+clusterset\.local is not served; run clusterset-dns coredns install/);
    expect(out[2]).to.match(/^edge\s+-\s+-\s+-\s+error\s+Push cluster edge/);
  });

  it('JSON carries ok per member and overall', () => {
    const j = JSON.parse(formatOutcomes('install', [ok, refused, unreachable], 'json')) as { action: string; ok: boolean; members: Array<Record<string, unknown>> };
    expect(j.action).to.equal('install');
    expect(j.ok).to.equal(false);
    expect(j.members).to.deep.equal([
      { cluster: 'member1', ok: true, kind: 'installed', message: 'added clusterset.local', flavor: 'in-tree' },
      { cluster: 'member2', ok: false, kind: 'refused', message: 'CoreDNS v1.11.3 cannot serve' },
      { cluster: 'edge', ok: false, error: 'Push cluster edge has no spec.apiEndpoint' },
    ]);
    const s = JSON.parse(formatOutcomes('status', [absent], 'json')) as { members: Array<{ corefile: { status: string }; rbac: unknown; ok: boolean }> };
    expect(s.members[0]).to.deep.include({ ok: true, rbac: { clusterRole: false, binding: false, serviceAccount: 'kube-system/default', bound: false } });
    expect(s.members[0]?.corefile.status).to.equal('absent');
  });
});
