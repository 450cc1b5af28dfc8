import { expect } from 'chai';
import { DOCTOR_FLAGS, DOCTOR_HELP, doctor, parseDnsServer, parseDoctorArgs, type DoctorCommand } from './doctor.js';
import { UsageError } from './internal/flags.js';

const parse = (s: string) => parseDoctorArgs(s.split(' ').filter((x) => x !== '')) as DoctorCommand;

describe('clusterset-dns doctor: arguments', () => {
  it('no target: every Cluster through Karmada, no DNS, table', () => {
    const c = parse('');
    expect(c.target).to.deep.equal({ kind: 'karmada', kubeconfig: '', context: '', clusters: 'all', memberAccess: 'proxy' });
    expect(c.dns).to.deep.equal({ kind: 'none' });
    expect(c.output).to.equal('table');
    expect(c.localFirst).to.equal(false);
    expect(c.writeRoute).to.equal('auto');
    expect(c.dnsTimeoutMs).to.equal(2000);
    expect(c.coredns).to.deep.equal({ location: { namespace: 'kube-system', deployment: 'coredns', configMap: 'coredns' }, zone: 'clusterset.local' });
    expect(parse('--all').target).to.deep.include({ clusters: 'all' });
  });

  it('--cluster, --service, --dns HOST:PORT with one member, --output json', () => {
    const c = parse('--cluster member2 --kubeconfig /k --context karmada-apiserver --service shop/web --dns 127.0.0.1:5302 --output json --local-first --dns-timeout 500ms');
    expect(c.target).to.deep.equal({ kind: 'karmada', kubeconfig: '/k', context: 'karmada-apiserver', clusters: ['member2'], memberAccess: 'proxy' });
    expect(c.service).to.deep.equal({ namespace: 'shop', name: 'web' });
    expect(c.dns).to.deep.equal({ kind: 'one', server: '127.0.0.1:5302' });
    expect(c.output).to.equal('json');
    expect(c.localFirst).to.equal(true);
    expect(c.dnsTimeoutMs).to.equal(500);
  });

  it('--dns NAME=HOST:PORT pairs for several members', () => {
    const c = parse('--cluster member1,member2 --dns member1=127.0.0.1:5301,member2=[fd00::10]:53');
    expect(c.dns).to.deep.equal({ kind: 'per-member', servers: { member1: '127.0.0.1:5301', member2: '[fd00::10]:53' } });
    expect(parse('--dns member1=10.96.0.10').dns).to.deep.equal({ kind: 'per-member', servers: { member1: '10.96.0.10:53' } });
  });

  it('--member-kubeconfig: one member directly, --dns without a name', () => {
    const c = parse('--member-kubeconfig /m --member-context member1 --dns 10.97.0.10');
    expect(c.target).to.deep.equal({ kind: 'direct', kubeconfig: '/m', context: 'member1' });
    expect(c.dns).to.deep.equal({ kind: 'one', server: '10.97.0.10:53' });
  });

  it('the CoreDNS location and version flags, as coredns takes them', () => {
    const c = parse('--coredns-namespace dns --coredns-deployment cd --coredns-configmap cm --coredns-version v1.12.2 --coredns-flavor external --zone example.cs');
    expect(c.coredns).to.deep.equal({ location: { namespace: 'dns', deployment: 'cd', configMap: 'cm' }, zone: 'example.cs', flavor: 'external', version: '1.12.2' });
    expect(c.zone).to.equal('example.cs');
  });

  it('--write-route, as the controller was started', () => {
    expect(parse('--write-route retain').writeRoute).to.equal('retain');
    expect(parse('--write-route=override-policy').writeRoute).to.equal('override-policy');
  });

  it('help', () => {
    for (const a of ['--help', 'help', '-h']) expect(parseDoctorArgs([a])).to.deep.equal({ help: undefined });
  });

  const bad: Array<[string, RegExp]> = [
    ['--dns 127.0.0.1:53', /name that member with --cluster NAME/],
    ['--cluster a,b --dns 127.0.0.1:53', /name that member with --cluster NAME/],
    ['--cluster a --dns b=127.0.0.1:53', /--dns names b, which --cluster does not list/],
    ['--cluster a,b --dns a=127.0.0.1:53,127.0.0.2:53', /do not mix/],
    ['--cluster a --dns a=127.0.0.1:53,a=127.0.0.2:53', /a given twice/],
    ['--dns =127.0.0.1:53', /no member name/],
    ['--member-kubeconfig /m --dns m=127.0.0.1:53', /without a name/],
    ['--cluster a --dns dns.example:53', /want an IP address/],
    ['--cluster a --dns 127.0.0.1:70000', /port out of range/],
    ['--cluster a --dns 127.0.0.1:0', /port out of range/],
    ['--service web', /NAMESPACE\/NAME/],
    ['--service a/b/c', /NAMESPACE\/NAME/],
    ['--all --cluster a', /either --cluster or --all/],
    ['--cluster ,', /no cluster names/],
    ['--member-kubeconfig /m --cluster a', /do not combine/],
    ['--member-context x', /needs --member-kubeconfig/],
    ['--output yaml', /table or json/],
    ['--coredns-flavor old', /in-tree or external/],
    ['--coredns-version latest', /MAJOR\.MINOR\.PATCH/],
    ['--zone=', /--zone must not be empty/],
    ['--dns-timeout 0s', /more than 0/],
    ['--write-route direct', /--write-route: want auto, retain, override-policy, got "direct"/],
    ['--nope', /unknown flag --nope/],
    ['extra', /unexpected argument "extra"/],
  ];
  for (const [args, want] of bad) {
    it(`usage error: ${args}`, () => {
      expect(() => parse(args)).to.throw(UsageError, want);
    });
  }

  it('parseDnsServer', () => {
    expect(parseDnsServer('127.0.0.1')).to.equal('127.0.0.1:53');
    expect(parseDnsServer('[::1]:5353')).to.equal('[::1]:5353');
    expect(parseDnsServer('[::1]')).to.equal('[::1]:53');
    expect(() => parseDnsServer('::1:53')).to.throw(UsageError);
  });

  it('a usage error exits 2 and says where the help is', async () => {
    let err = '';
    expect(await doctor(['--dns', '127.0.0.1'], { stdout: () => {}, stderr: (s) => { err += s; } })).to.equal(2);
    expect(err).to.match(/^clusterset-dns doctor: --dns HOST:PORT is one member's CoreDNS: .*; see clusterset-dns doctor --help\n$/);
  });

  it('--help exits 0 and documents every flag', async () => {
    let out = '';
    expect(await doctor(['--help'], { stdout: (s) => { out += s; }, stderr: () => {} })).to.equal(0);
    expect(out).to.equal(DOCTOR_HELP);
    for (const f of DOCTOR_FLAGS) expect(out).to.include(`--${f.name}`);
    for (const check of ['access', 'crds', 'crd-flavour', 'coredns-version', 'coredns-rbac', 'corefile', 'dns', 'ports', 'ips', 'answer']) expect(out).to.match(new RegExp(`^  ${check} `, 'm'));
  });
});
