import { expect } from 'chai';
import { CRDS_HELP, crds, exitCode, formatOutcomes, parseCrdsArgs, type CrdsCommand, type Outcome } from './crds.js';
import { UsageError } from './internal/flags.js';

const parse = (s: string) => parseCrdsArgs(s.split(' ').filter((x) => x !== '')) as CrdsCommand;
const quiet = { stdout: () => {}, stderr: () => {} };

describe('clusterset-dns crds: arguments', () => {
  it('check reads every member by default; install needs them named', () => {
    expect(parse('check')).to.deep.equal({ action: 'check', target: { kind: 'karmada', kubeconfig: '', context: '', clusters: 'all', memberAccess: 'proxy' }, dryRun: false, output: 'table' });
    expect(() => parse('install')).to.throw(UsageError, /say which members/);
    expect(parse('install --cluster member1,member2 --dry-run -o json')).to.deep.equal({
      action: 'install', target: { kind: 'karmada', kubeconfig: '', context: '', clusters: ['member1', 'member2'], memberAccess: 'proxy' }, dryRun: true, output: 'json',
    });
    expect(parse('install --member-kubeconfig /m').target).to.deep.equal({ kind: 'direct', kubeconfig: '/m', context: '' });
  });

  const bad: Array<[string, RegExp]> = [
    ['frob', /unknown action "frob"; want check or install/],
    ['check --dry-run', /--dry-run applies to install only, not to check/],
    ['install --all --zone x', /unknown flag --zone/],
    ['check -o yaml', /table or json/],
  ];
  for (const [args, want] of bad) it(`usage error: ${args}`, () => expect(() => parse(args)).to.throw(UsageError, want));

  it('--help exits 0 before anything is contacted; a usage error exits 2', async () => {
    let out = '';
    expect(await crds(['--help'], { ...quiet, stdout: (s) => { out += s; } })).to.equal(0);
    expect(out).to.equal(CRDS_HELP);
    let err = '';
    expect(await crds(['install'], { ...quiet, stderr: (s) => { err += s; } })).to.equal(2);
    expect(err).to.match(/^clusterset-dns crds install: say which members: .*; see clusterset-dns crds install --help\n$/);
  });
});

describe('clusterset-dns crds: output and exit code', () => {
  const served = { serviceImport: ['v1alpha1'], serviceExport: ['v1alpha1'] };
  const karmada: Outcome = { cluster: 'member1', kind: 'check', crds: { flavour: 'karmada', served, ipsMaxItems: 1, lacks: ['v1beta1 clients', 'dual-stack imports: spec.ips holds 1 IP'] } };
  const mcsApi: Outcome = { cluster: 'member2', kind: 'check', crds: { flavour: 'mcs-api', release: 'v0.5.2', served: { serviceImport: ['v1alpha1', 'v1beta1'], serviceExport: ['v1alpha1', 'v1beta1'] }, ipsMaxItems: 2, lacks: [] } };
  const missing: Outcome = { cluster: 'edge', kind: 'check', crds: { flavour: 'missing', served: { serviceImport: undefined, serviceExport: undefined }, ipsMaxItems: undefined, lacks: ['imports: no ServiceImport CRD'] } };
  const unreachable: Outcome = { cluster: 'far', kind: 'error', message: 'no answer' };
  const installed: Outcome = { cluster: 'member1', kind: 'install', result: { action: 'apply', from: 'karmada', message: 'karmada → mcs-api v0.5.2', dryRun: false } };
  const refused: Outcome = { cluster: 'member2', kind: 'install', result: { action: 'refuse', from: 'mcs-api v0.6.0', message: 'newer', dryRun: false } };

  it('exit code: 1 when a member lacks the CRDs, refused, or could not be reached', () => {
    expect(exitCode([karmada, mcsApi])).to.equal(0);
    expect(exitCode([karmada, missing])).to.equal(1);
    expect(exitCode([mcsApi, unreachable])).to.equal(1);
    expect(exitCode([installed])).to.equal(0);
    expect(exitCode([installed, refused])).to.equal(1);
    expect(exitCode([])).to.equal(1);
  });

  it('check: flavour, versions, ips and what is lost, per member', () => {
    expect(formatOutcomes('check', [karmada, mcsApi, missing, unreachable], 'table')).to.equal(
      'CLUSTER  FLAVOUR         SERVICEIMPORT     SERVICEEXPORT     IPS  CANNOT\n' +
      'member1  karmada         v1alpha1          v1alpha1          1    v1beta1 clients; dual-stack imports: spec.ips holds 1 IP\n' +
      'member2  mcs-api v0.5.2  v1alpha1,v1beta1  v1alpha1,v1beta1  2    -\n' +
      'edge     missing         none              none              -    imports: no ServiceImport CRD\n' +
      'far      error           -                 -                 -    no answer\n',
    );
  });

  it('install: what it did per member, and what it would do with --dry-run', () => {
    expect(formatOutcomes('install', [installed, refused], 'table')).to.equal(
      'CLUSTER  RESULT     MESSAGE\n' +
      'member1  installed  karmada → mcs-api v0.5.2\n' +
      'member2  refused    newer\n',
    );
    const dry: Outcome = { ...installed, result: { ...installed.result, dryRun: true } } as Outcome;
    expect(formatOutcomes('install', [dry], 'table', true)).to.include('member1  would-install  karmada → mcs-api v0.5.2');
  });

  it('json: one document, ok per member', () => {
    const doc = JSON.parse(formatOutcomes('check', [karmada, missing], 'json')) as { ok: boolean; members: Array<{ cluster: string; ok: boolean; flavour: string }> };
    expect(doc.ok).to.equal(false);
    expect(doc.members.map((m) => [m.cluster, m.ok, m.flavour])).to.deep.equal([['member1', true, 'karmada'], ['edge', false, 'missing']]);
  });
});
