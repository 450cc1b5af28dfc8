import { expect } from 'chai';
import { inspect, planInstall, planUninstall, type InstallOptions, type InstallPlan } from './index.js';
import { markedLines } from './markers.js';
import {
  AKS,
  CILIUM,
  COMMENTED,
  CRLF,
  FIXTURES,
  K3S,
  KUBEADM,
  KUBEADM_INSTALLED_IN_TREE,
  KUBEADM_LEGACY,
  KUBERNETES_NO_BLOCK,
  LIGHTHOUSE,
  MCS_API_SED,
  MULTI_BLOCK,
  RKE2,
  TWO_KUBERNETES_OTHER,
} from '../../../test/support/corefile/fixtures.js';

const IN_TREE: InstallOptions = { flavor: 'in-tree' };
const EXTERNAL: InstallOptions = { flavor: 'external' };

function installed(src: string, opts: InstallOptions = IN_TREE): string {
  const p = planInstall(src, opts);
  if (p.kind !== 'changed') throw new Error(`expected changed, got ${p.kind}: ${'reason' in p ? p.reason : ''}`);
  return p.corefile;
}

function uninstalled(src: string): string {
  const p = planUninstall(src);
  if (p.kind !== 'changed') throw new Error(`expected changed, got ${p.kind}: ${'reason' in p ? p.reason : ''}`);
  return p.corefile;
}

function reason(p: InstallPlan): string {
  return 'reason' in p ? p.reason : '';
}

describe('corefile/clusterset', () => {
  describe('fixtures: default install outcome per flavor', () => {
    for (const f of FIXTURES) {
      it(`${f.name}: in-tree ${f.inTree}, external ${f.external}, status ${f.status}`, () => {
        expect(planInstall(f.corefile, IN_TREE).kind, reason(planInstall(f.corefile, IN_TREE))).to.equal(f.inTree);
        expect(planInstall(f.corefile, EXTERNAL).kind, reason(planInstall(f.corefile, EXTERNAL))).to.equal(f.external);
        expect(inspect(f.corefile).status).to.equal(f.status);
      });
    }
  });

  describe('in-tree install', () => {
    it("produces mcs-api's and Cilium's shape on kubeadm, with markers, and keeps the cache block as is", () => {
      const out = installed(KUBEADM);
      expect(out).to.equal(KUBEADM_INSTALLED_IN_TREE);
      expect(out).to.contain('       disable success cluster.local\n       disable denial cluster.local\n');
      expect(markedLines(out)).to.deep.equal([7, 11]);
    });

    it('opens a block when the kubernetes directive has none, and marks it', () => {
      expect(installed(KUBERNETES_NO_BLOCK)).to.equal(
        [
          '.:53 {',
          '    errors',
          '    kubernetes cluster.local clusterset.local in-addr.arpa ip6.arpa { # clusterset-dns: added clusterset.local; opened block',
          '        multicluster clusterset.local # clusterset-dns',
          '    } # clusterset-dns',
          '    forward . /etc/resolv.conf',
          '}',
          '',
        ].join('\n'),
      );
    });

    it('sees a glued comment with blanks as CoreDNS does: words after the closing brace, refused', () => {
      // `}#no space` is `}` then the words `space` ... for CoreDNS (v1.14.7 fails with
      // "kubernetes: this plugin can only be used once per Server Block").
      const broken = COMMENTED.replace('}#no-space-before-this-comment', '}#no space before this comment');
      const p = planInstall(broken, { flavor: 'in-tree' });
      expect(p.kind).to.equal('refused');
      expect('reason' in p ? p.reason : '').to.match(/text after its block's closing '}'/);
    });

    it('appends the marker after an existing end-of-line comment', () => {
      const out = installed(COMMENTED);
      expect(out).to.contain(
        'kubernetes cluster.local clusterset.local in-addr.arpa ip6.arpa {   # do not touch # clusterset-dns: added clusterset.local\n',
      );
      expect(uninstalled(out)).to.equal(COMMENTED);
    });

    it('keeps CRLF line endings on the lines it adds', () => {
      const out = installed(CRLF);
      expect(out.replace(/\r\n/g, '')).not.to.contain('\n');
      expect(out).to.contain('       multicluster clusterset.local # clusterset-dns\r\n');
    });

    it("inserts the zone after RKE2's first cluster.local, leaving its spacing alone", () => {
      expect(installed(RKE2)).to.contain(
        '    kubernetes   cluster.local clusterset.local  cluster.local in-addr.arpa ip6.arpa { # clusterset-dns: added clusterset.local\n',
      );
    });

    it('uses another zone when asked', () => {
      const out = installed(KUBEADM, { flavor: 'in-tree', zone: 'MCS.Example.' });
      expect(out).to.contain('kubernetes cluster.local mcs.example in-addr.arpa');
      expect(out).to.contain('multicluster mcs.example # clusterset-dns');
      expect(inspect(out, 'mcs.example').status).to.equal('installed');
      expect(inspect(out).status).to.equal('absent');
    });

    it('picks the kubernetes plugin of an explicit cluster domain', () => {
      expect(planInstall(TWO_KUBERNETES_OTHER, { flavor: 'in-tree', clusterDomain: 'alpha.example' }).kind).to.equal('changed');
      const beta = planInstall(TWO_KUBERNETES_OTHER, { flavor: 'in-tree', clusterDomain: 'beta.example' });
      expect(beta.kind).to.equal('refused');
      expect(reason(beta)).to.match(/go to server block '\.:53'/);
    });

    it('is not put off by the zone in a comment', () => {
      const src = KUBEADM.replace('    errors\n', '    errors\n    # TODO: serve clusterset.local\n');
      expect(planInstall(src, IN_TREE).kind).to.equal('changed');
    });
  });

  describe('ttl (in-tree only, reversible)', () => {
    it('changes an existing ttl line and remembers the old value', () => {
      const out = installed(KUBEADM, { flavor: 'in-tree', ttl: 5 });
      expect(out).to.contain('       ttl 5 # clusterset-dns: ttl was 30\n');
      expect(inspect(out).answerTtl).to.equal(5);
      expect(uninstalled(out)).to.equal(KUBEADM);
    });

    it('adds a ttl line where there is none', () => {
      const out = installed(K3S, { flavor: 'in-tree', ttl: 10 });
      expect(out).to.contain('      ttl 10 # clusterset-dns\n      multicluster clusterset.local # clusterset-dns\n');
      expect(uninstalled(out)).to.equal(K3S);
    });

    it('leaves a ttl line alone when it already has the value', () => {
      const out = installed(KUBEADM, { flavor: 'in-tree', ttl: 30 });
      expect(out).to.equal(KUBEADM_INSTALLED_IN_TREE);
    });

    it('re-plans when the ttl option changes, and back', () => {
      const a = installed(KUBEADM, { flavor: 'in-tree', ttl: 10 });
      const b = installed(a, { flavor: 'in-tree', ttl: 20 });
      expect(b).to.contain('ttl 20 # clusterset-dns: ttl was 30');
      expect(installed(b, IN_TREE)).to.equal(KUBEADM_INSTALLED_IN_TREE);
      expect(uninstalled(b)).to.equal(KUBEADM);
    });

    const refusals: { name: string; src: string; opts: InstallOptions; match: RegExp }[] = [
      { name: 'external flavor', src: KUBEADM, opts: { flavor: 'external', ttl: 10 }, match: /always answers with TTL 5s/ },
      { name: 'out of range', src: KUBEADM, opts: { flavor: 'in-tree', ttl: 3601 }, match: /\[0, 3600\]/ },
      { name: 'not an integer', src: KUBEADM, opts: { flavor: 'in-tree', ttl: 1.5 }, match: /whole number/ },
      { name: 'several ttl lines', src: KUBEADM.replace('ttl 30\n', 'ttl 30\n       ttl 40\n'), opts: { flavor: 'in-tree', ttl: 10 }, match: /several ttl lines/ },
      { name: 'odd ttl line', src: KUBEADM.replace('ttl 30\n', 'ttl 30 40\n'), opts: { flavor: 'in-tree', ttl: 10 }, match: /not a plain `ttl N`/ },
    ];
    for (const r of refusals) {
      it(`refuses: ${r.name}`, () => {
        const p = planInstall(r.src, r.opts);
        expect(p.kind).to.equal('refused');
        expect(reason(p)).to.match(r.match);
      });
    }
  });

  describe('external install', () => {
    it('adds a standalone multicluster directive after the kubernetes block, without fallthrough', () => {
      const out = installed(KUBEADM_LEGACY, EXTERNAL);
      expect(out).to.contain('       ttl 30\n    }\n    multicluster clusterset.local # clusterset-dns\n    prometheus :9153\n');
      expect(out).not.to.contain('fallthrough clusterset');
      expect(inspect(out)).to.include({ status: 'installed', flavor: 'external', answerTtl: 5 });
    });

    it('switches flavor cleanly (external -> in-tree after a CoreDNS upgrade)', () => {
      const ext = installed(KUBEADM, EXTERNAL);
      const tree = installed(ext, IN_TREE);
      expect(tree).to.equal(KUBEADM_INSTALLED_IN_TREE);
      expect(uninstalled(tree)).to.equal(KUBEADM);
    });
  });

  describe('headerRaFix', () => {
    it('adds header { response set ra } (in-tree) only to the block serving the zone', () => {
      const out = installed(MULTI_BLOCK, { flavor: 'in-tree', headerRaFix: true });
      expect(out.match(/header \{/g)).to.have.length(1);
      expect(out).to.contain('    }\n    header { # clusterset-dns\n        response set ra # clusterset-dns\n    } # clusterset-dns\n    forward . tls://');
      expect(uninstalled(out)).to.equal(MULTI_BLOCK);
    });

    it('uses the selector-less form for older CoreDNS (external)', () => {
      const out = installed(KUBEADM, { flavor: 'external', headerRaFix: true });
      expect(out).to.contain('    header { # clusterset-dns\n       set ra # clusterset-dns\n    } # clusterset-dns\n');
    });

    it('does not touch an existing header plugin, and says so', () => {
      const src = KUBEADM.replace('    ready\n', '    ready\n    header {\n        response clear aa\n    }\n');
      const p = planInstall(src, { flavor: 'in-tree', headerRaFix: true });
      expect(p.kind).to.equal('changed');
      if (p.kind !== 'changed') return;
      expect(p.corefile.match(/header \{/g)).to.have.length(1);
      expect(p.warnings.join('\n')).to.match(/already has a header plugin/);
    });

    it('toggling the option off removes it again', () => {
      const on = installed(KUBEADM, { flavor: 'in-tree', headerRaFix: true });
      expect(installed(on, IN_TREE)).to.equal(KUBEADM_INSTALLED_IN_TREE);
    });
  });

  describe('idempotence', () => {
    it('is unchanged on a second install with the same options', () => {
      const p = planInstall(KUBEADM_INSTALLED_IN_TREE, IN_TREE);
      expect(p.kind).to.equal('unchanged');
      expect(reason(p)).to.match(/already installed by clusterset-dns/);
    });

    it('is unchanged after unrelated hand edits elsewhere', () => {
      const edited = KUBEADM_INSTALLED_IN_TREE.replace('    loop\n', '    loop\n    log\n');
      expect(planInstall(edited, IN_TREE).kind).to.equal('unchanged');
    });

    it('repairs a damaged installation (someone deleted the multicluster line)', () => {
      const damaged = KUBEADM_INSTALLED_IN_TREE.replace('       multicluster clusterset.local # clusterset-dns\n', '');
      expect(inspect(damaged).status).to.equal('broken');
      expect(inspect(damaged).problems.join()).to.match(/from local Services/);
      expect(installed(damaged)).to.equal(KUBEADM_INSTALLED_IN_TREE);
    });
  });

  describe('foreign setups are left alone', () => {
    const cases: { name: string; src: string; owner: RegExp }[] = [
      { name: "mcs-api's sed", src: MCS_API_SED, owner: /mcs-api's e2e script/ },
      { name: 'Cilium', src: CILIUM, owner: /Cilium/ },
      { name: 'Submariner Lighthouse', src: LIGHTHOUSE, owner: /Submariner Lighthouse/ },
      { name: 'a bare multicluster directive', src: KUBEADM.replace('    loop\n', '    multicluster\n    loop\n'), owner: /Cilium|hand edit/ },
    ];
    for (const c of cases) {
      it(c.name, () => {
        for (const opts of [IN_TREE, EXTERNAL]) {
          const p = planInstall(c.src, opts);
          expect(p.kind).to.equal('foreign');
          expect(reason(p)).to.match(c.owner);
        }
        expect(inspect(c.src).status).to.equal('foreign');
        expect(planUninstall(c.src).kind).to.equal('unchanged');
      });
    }

    it('reports a foreign setup that CoreDNS would reject', () => {
      const src = KUBEADM.replace('       ttl 30\n', '       ttl 30\n       multicluster clusterset.local\n');
      const i = inspect(src);
      expect(i.status).to.equal('foreign');
      expect(i.problems.join()).to.match(/is not authoritative for the multicluster zone clusterset.local/);
    });

    it('reports a foreign setup with the zone on the kubernetes line only', () => {
      const i = inspect(KUBEADM.replace('kubernetes cluster.local', 'kubernetes cluster.local clusterset.local'));
      expect(i.status).to.equal('foreign');
      expect(i.message).to.match(/looks broken/);
    });

    it('reports ours plus someone else as broken (mixed)', () => {
      const mixed = LIGHTHOUSE.slice(0, LIGHTHOUSE.indexOf('.:53')) + KUBEADM_INSTALLED_IN_TREE;
      expect(inspect(mixed).status).to.equal('broken');
      expect(planInstall(mixed, IN_TREE).kind).to.equal('foreign');
      expect(uninstalled(mixed)).to.equal(LIGHTHOUSE);
    });
  });

  describe('refusals say what to do', () => {
    const cases: { name: string; src: string; opts: InstallOptions; match: RegExp }[] = [
      { name: 'unparsable Corefile', src: '.:53 {\n', opts: IN_TREE, match: /cannot be parsed .*line 1, column 6/ },
      { name: 'invalid zone', src: KUBEADM, opts: { flavor: 'in-tree', zone: 'not a zone' }, match: /not a valid DNS zone/ },
      { name: 'unknown flavor', src: KUBEADM, opts: { flavor: 'sideways' as 'in-tree' }, match: /unknown flavor/ },
      { name: 'kubernetes only in a snippet', src: '(k) {\n  kubernetes cluster.local\n}\n.:53 {\n  import k\n}\n', opts: IN_TREE, match: /snippet/ },
      { name: 'kubernetes maybe in an imported file', src: '.:53 {\n  import /etc/coredns/*.conf\n}\n', opts: IN_TREE, match: /cannot see or edit/ },
      { name: 'kubernetes on the server key line', src: '.:53 { kubernetes cluster.local\n}\n', opts: IN_TREE, match: /own line/ },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const p = planInstall(c.src, c.opts);
        expect(p.kind).to.equal('refused');
        expect(reason(p)).to.match(c.match);
      });
    }
  });

  describe('uninstall', () => {
    it('is unchanged on a Corefile clusterset-dns never touched', () => {
      for (const f of [KUBEADM, AKS, CILIUM, '']) expect(planUninstall(f).kind).to.equal('unchanged');
    });

    it('keeps comments a human added inside the kubernetes block', () => {
      const edited = KUBEADM_INSTALLED_IN_TREE.replace('       pods insecure\n', '       pods insecure\n       # added later by hand\n');
      expect(uninstalled(edited)).to.equal(KUBEADM.replace('       pods insecure\n', '       pods insecure\n       # added later by hand\n'));
    });

    it('still restores when a human already removed part of our lines', () => {
      const partial = KUBEADM_INSTALLED_IN_TREE.replace('       multicluster clusterset.local # clusterset-dns\n', '');
      expect(uninstalled(partial)).to.equal(KUBEADM);
    });

    it('refuses when a human put their own line into a block we added', () => {
      const out = installed(KUBERNETES_NO_BLOCK);
      const edited = out.replace('        multicluster clusterset.local # clusterset-dns\n', '        multicluster clusterset.local # clusterset-dns\n        pods insecure\n');
      const p = planUninstall(edited);
      expect(p.kind).to.equal('refused');
      expect(reason(p as InstallPlan)).to.match(/inside a block clusterset-dns added/);
      expect(inspect(edited).status).to.equal('broken');
    });

    it('refuses unknown or misplaced markers', () => {
      const unknown = KUBEADM_INSTALLED_IN_TREE.replace('added clusterset.local', 'frobnicated clusterset.local');
      expect(planUninstall(unknown).kind).to.equal('refused');
      const misplaced = KUBEADM.replace('    loop\n', '    loop # clusterset-dns: added clusterset.local\n');
      expect(reason(planUninstall(misplaced) as InstallPlan)).to.match(/never makes that change/);
    });

    it('refuses an unparsable Corefile', () => {
      expect(planUninstall('}').kind).to.equal('refused');
    });
  });

  describe('inspect', () => {
    it('reports installed, with TTL and cache notes', () => {
      const i = inspect(KUBEADM_INSTALLED_IN_TREE);
      expect(i).to.include({ status: 'installed', flavor: 'in-tree', answerTtl: 30, markers: true });
      expect(i.notes.join('\n')).to.match(/TTL 30s/).and.match(/cache plugin/);
      expect(i.problems).to.deep.equal([]);
    });

    it('says the cache is off for the zone after mcs-api-style disable lines', () => {
      expect(inspect(MCS_API_SED).notes.join('\n')).to.match(/does not cache clusterset.local answers/);
    });

    it('reports imports it cannot see', () => {
      const notes = inspect(installed(K3S)).notes.join('\n');
      expect(notes).to.contain('/etc/coredns/custom/*.override').and.contain('/etc/coredns/custom/*.server');
    });

    it('reports an unparsable Corefile as broken with the position', () => {
      const i = inspect('.:53 {\n  errors }\n');
      expect(i.status).to.equal('broken');
      expect(i.message).to.match(/line 2, column 10/);
    });

    it('reports a routing problem: zone configured in a block that does not receive its queries', () => {
      const src = [
        'cluster.local:53 {',
        '    kubernetes cluster.local clusterset.local {',
        '        multicluster clusterset.local',
        '    }',
        '}',
        '.:53 {',
        '    forward . /etc/resolv.conf',
        '}',
        '',
      ].join('\n');
      const i = inspect(src);
      expect(i.status).to.equal('foreign');
      expect(i.problems.join()).to.match(/sends clusterset.local queries on port 53 to server block '\.:53'/);
    });
  });
});
