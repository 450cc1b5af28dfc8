import { expect } from 'chai';
import { layoutFromEnv, parseE2eArgs, type E2eOptions } from './layout.js';
import { e2ePlan, renderPlan, stepHeading, type PlanInputs } from './plan.js';

describe('hack/e2e.sh: the plan a run follows and --dry-run prints', () => {
  const layout = layoutFromEnv({ env: { KUBECONFIG_PATH: '/k', ARTIFACTS_PATH: '/art' }, home: '/home/u', cwd: '/repo', repoRoot: '/repo', now: new Date('2026-11-30T12:00:00Z') });
  const opts = (argv: string[]) => parseE2eArgs(argv) as E2eOptions;
  const inputs = (argv: string[], more: Partial<PlanInputs> = {}): PlanInputs => ({
    opts: opts(argv), layout, namespace: 'clusterset-dns-e2e-x', leaseName: 'clusterset-dns', configObjects: ['ClusterRole clusterset-dns', 'ServiceAccount karmada-system/clusterset-dns'], ...more,
  });
  const text = (i: PlanInputs) => renderPlan(e2ePlan(i), layout);

  const stepCases: Array<[string, string[], string[]]> = [
    ['the default run', [], ['connect', 'preconditions', 'restarts-before', 'controller', 'scenario', 'suite', 'cleanup']],
    ['--kind creates the clusters first', ['--kind'], ['kind', 'connect', 'preconditions', 'restarts-before', 'controller', 'scenario', 'suite', 'cleanup']],
  ];
  for (const [name, argv, want] of stepCases) {
    it(`steps: ${name}`, () => {
      expect(e2ePlan(inputs(argv)).map((s) => s.id)).to.deep.equal(want);
    });
  }

  const detailCases: Array<[string, PlanInputs, RegExp[], RegExp[]]> = [
    ['without --apply-config or --install-coredns it says what would fail and which flag would change it', inputs([]),
      [/config\/karmada: fail if karmada-apiserver lacks any of ClusterRole clusterset-dns, ServiceAccount/, /--apply-config would apply it/, /--install-coredns would install it/, /start clusterset-dns run --kubeconfig=\/k\/karmada.config --context=karmada-apiserver/, /log in \/art\/controller.log/],
      [/server-side apply/, /coredns install/]],
    ['--apply-config --install-coredns with what could be read: the members and what is missing', inputs(['--apply-config', '--install-coredns'], { roles: { exporter: 'member1', importers: ['member2', 'member3'] }, missingConfig: ['ClusterRole clusterset-dns'] }),
      [/members: member1 exports, member2, member3 import$/m, /the portable end-to-end suite \(test\/portable\).*\n.*CLUSTERSET_DNS_E2E_IMPORTERS: karmada-apiserver, member1 exporting, member2, member3 importing/, /output in \/art\/suite.txt/, /server-side apply to karmada-apiserver if it lacks ClusterRole clusterset-dns \(--apply-config\)/, /CoreDNS in member2, member3: .*coredns install edits kube-system\/coredns/, /placed on member1, the ServiceImport on member2, member3/],
      [/every Cluster/]],
    ['config/karmada already there: nothing to apply', inputs(['--apply-config'], { missingConfig: [] }), [/config\/karmada: already on karmada-apiserver; nothing to apply/], [/server-side apply/]],
    ['members named by MEMBER_CLUSTER_*_NAME but not yet read', { ...inputs([]), layout: { ...layout, memberNames: ['a', 'b'] } }, [/members: a, b \(MEMBER_CLUSTER_\*_NAME\)/], []],
    ['--in-cluster: the Lease holder, nothing started or stopped', inputs(['--in-cluster']), [/require a holder of the Lease karmada-system\/clusterset-dns/, /left running/], [/start clusterset-dns run/]],
    ['--kind: the script, from the checkout, with KUBECONFIG_PATH', inputs(['--kind'], { karmadaRepoRoot: '/src/karmada' }), [/^1\. create the clusters/m, /run bash \/src\/karmada\/hack\/local-up-karmada.sh with KUBECONFIG_PATH=\/k; output in \/art\/local-up-karmada.log/, /member3 \(Pull\)/], []],
    ['--kind without a checkout still says what would run', inputs(['--kind']), [/run bash \$KARMADA_REPO_ROOT\/hack\/local-up-karmada.sh/], []],
    ['--env=local says whose kubeconfigs they are', inputs(['--env=local']), [/the running local environment's \(--env=local\): KUBECONFIG_PATH=\/k,/], []],
    ['the artifacts folder, and --doctor-dns passed on', inputs(['--doctor-dns=member2=1.2.3.4:53']), [/^artifacts: \/art \(not created by a dry run\)/, /with --dns=member2=1.2.3.4:53/], [/without DNS queries/]],
  ];
  for (const [name, i, want, notWant] of detailCases) {
    it(`details: ${name}`, () => {
      const t = text(i);
      for (const w of want) expect(t).to.match(w);
      for (const n of notWant) expect(t).not.to.match(n);
    });
  }

  it('a real run announces each step by its place in the same plan', () => {
    const plan = e2ePlan(inputs(['--kind']));
    expect(stepHeading(plan, 'kind')).to.equal('step 1/8: create the clusters with Karmada\'s hack/local-up-karmada.sh');
    expect(stepHeading(plan, 'cleanup')).to.match(/^step 8\/8: always/);
    expect(stepHeading(e2ePlan(inputs([])), 'connect')).to.match(/^step 1\/7: read the kubeconfigs/);
    expect(() => stepHeading(e2ePlan(inputs([])), 'kind')).to.throw(/no step kind/);
  });
});
