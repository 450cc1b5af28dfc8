/**
 * The steps of hack/e2e.sh as a plan: built from the options and the layout
 * (and, where they could be read, the members and what config/karmada
 * lacks), printed whole by --dry-run and announced one heading at a time by
 * a real run, so what the dry run promises is what the run does. Pure.
 */
import { join } from 'node:path';
import { DEFAULT_LEASE_NAMESPACE } from '../../src/runtime/leaderelection/lease-namespace.js';
import { LOCAL_UP_KARMADA } from './kind.js';
import type { E2eOptions, Layout } from './layout.js';
import type { Roles } from './members.js';
import { SUITE_DIR, SUITE_MOCHARC, SUITE_VARS } from './suite.js';

export type StepId = 'kind' | 'connect' | 'preconditions' | 'restarts-before' | 'controller' | 'scenario' | 'suite' | 'cleanup';

export interface Step {
  id: StepId;
  title: string;
  details: string[];
}

export interface PlanInputs {
  opts: E2eOptions;
  layout: Layout;
  namespace: string;
  leaseName: string;
  /** config/karmada's objects ("Kind name"), read from the repository. */
  configObjects: string[];
  /** The members and their roles, when they could be read; otherwise the plan says how they will be chosen. */
  roles?: Roles | undefined;
  /** Of configObjects, those missing on the control plane, when that could be read. */
  missingConfig?: string[] | undefined;
  /** --kind: the checkout (undefined: not given; the plan still says what would run). */
  karmadaRepoRoot?: string | undefined;
}

const SERVICE = 'web';

function membersDetail(i: PlanInputs): string {
  if (i.roles) return `members: ${i.roles.exporter} exports, ${i.roles.importers.join(', ')} import${i.roles.importers.length === 1 ? 's' : ''}`;
  const named = i.layout.memberNames;
  const from = named.length > 0 ? `${named.join(', ')} (MEMBER_CLUSTER_*_NAME)` : 'every Cluster in Karmada, sorted';
  return `members: ${from}; the first exports, the others import (each a Ready Cluster with a context in members.config)`;
}

function configDetail(i: PlanInputs): string {
  const { applyConfig } = i.opts;
  const ctx = i.layout.karmadaContext;
  if (i.missingConfig?.length === 0) return `config/karmada: already on ${ctx}; nothing to apply`;
  const which = i.missingConfig ? `lacks ${i.missingConfig.join(', ')}` : `lacks any of ${i.configObjects.join(', ')}`;
  return applyConfig ? `config/karmada: server-side apply to ${ctx} if it ${which} (--apply-config)` : `config/karmada: fail if ${ctx} ${which} (--apply-config would apply it)`;
}

function coreDnsDetail(i: PlanInputs): string {
  const importers = i.roles ? i.roles.importers.join(', ') : 'each importing member';
  return i.opts.installCoreDns
    ? `CoreDNS in ${importers}: clusterset-dns coredns status; where it does not serve the clusterset zone, clusterset-dns coredns install edits kube-system/coredns (--install-coredns)`
    : `CoreDNS in ${importers}: clusterset-dns coredns status; fail where it does not serve the clusterset zone (--install-coredns would install it)`;
}

/** Every step, in order; `kind` only with --kind. */
export function e2ePlan(i: PlanInputs): Step[] {
  const { opts, layout } = i;
  const art = (f: string) => join(layout.artifacts, f);
  const exporter = i.roles?.exporter ?? 'the exporting member';
  const importers = i.roles?.importers.join(', ') ?? 'every importing member';
  const steps: Step[] = [];
  if (opts.kind) {
    const root = i.karmadaRepoRoot?.trim() || '$KARMADA_REPO_ROOT';
    steps.push({ id: 'kind', title: 'create the clusters with Karmada\'s hack/local-up-karmada.sh', details: [
      `run bash ${join(root, LOCAL_UP_KARMADA)} with KUBECONFIG_PATH=${layout.kubeconfigDir}; output in ${art('local-up-karmada.log')}`,
      'it creates kind clusters karmada-host, member1, member2 (Push) and member3 (Pull), installs Karmada on karmada-host and joins the members',
      `it writes ${join(layout.kubeconfigDir, 'karmada.config')} and ${join(layout.kubeconfigDir, 'members.config')}`,
    ] });
  }
  steps.push(
    { id: 'connect', title: 'read the kubeconfigs and choose the members', details: [
      ...(opts.env === 'local' ? [`the running local environment's (--env=local): KUBECONFIG_PATH=${layout.kubeconfigDir}, written afresh from it`] : []),
      `control plane: ${layout.karmadaConfig} context ${layout.karmadaContext}; host: context ${layout.hostContext}`,
      `members' kubeconfig: ${layout.membersConfig}`,
      membersDetail(i),
    ] },
    { id: 'preconditions', title: 'check the preconditions', details: [
      `MCS CRDs serviceimports and serviceexports.multicluster.x-k8s.io Established on ${layout.karmadaContext} and in every member used`,
      configDetail(i),
      `retention rule: clusterset-dns karmada status, output in ${art('karmada-status.txt')}`,
      coreDnsDetail(i),
    ] },
    { id: 'restarts-before', title: `record the restart counts of the pods in karmada-system on ${layout.hostContext}`, details: [] },
    { id: 'controller', title: 'the controller under test', details: [opts.inCluster
      ? `the one running in the cluster: require a holder of the Lease ${DEFAULT_LEASE_NAMESPACE}/${i.leaseName} on ${layout.karmadaContext}`
      : `start clusterset-dns run --kubeconfig=${layout.karmadaConfig} --context=${layout.karmadaContext} as a local process, log in ${art('controller.log')}; refuse if a controller holds the Lease ${DEFAULT_LEASE_NAMESPACE}/${i.leaseName}`] },
    { id: 'scenario', title: 'the end-to-end check', details: [
      `create namespace ${i.namespace} on ${layout.karmadaContext}: Service and ServiceExport ${SERVICE} placed on ${exporter}, the ServiceImport on ${importers} (examples/)`,
      `wait up to ${opts.waitTimeoutMs / 1000} s for spec.ips in every importing member's ServiceImport`,
      `clusterset-dns doctor until it passes (at most 90 s)${opts.doctorDns ? `, with --dns=${opts.doctorDns}` : ', without DNS queries (no --doctor-dns)'}; output in ${art('doctor.txt')}`,
    ] },
    { id: 'suite', title: `the portable end-to-end suite (${SUITE_DIR}) against these clusters`, details: [
      `mocha --config ${SUITE_MOCHARC}, told the clusters by ${Object.values(SUITE_VARS).join(', ')}: ${layout.karmadaContext}, ${exporter} exporting, ${importers} importing`,
      `each test in a namespace of its own, deleted at the end; the controller under test is the one above; output in ${art('suite.txt')}`,
    ] },
    { id: 'cleanup', title: 'always, whatever failed: save, stop, delete, compare', details: [
      `the test namespace's objects as YAML in ${art('objects')}`,
      opts.inCluster ? 'the controller in the cluster is left running' : 'stop the local controller',
      `delete namespace ${i.namespace}`,
      `compare the restart counts (${art('restarts.txt')}), pod logs in ${art('pods')}; fail if a pod restarted`,
    ] },
  );
  return steps;
}

/** The real run's log line as a step begins: "step 3/7: …". */
export function stepHeading(plan: readonly Step[], id: StepId): string {
  const n = plan.findIndex((s) => s.id === id);
  if (n < 0) throw new Error(`no step ${id} in this plan`);
  return `step ${n + 1}/${plan.length}: ${plan[n]!.title}`;
}

/** --dry-run's text: the artifacts folder, then every step with its details. */
export function renderPlan(plan: readonly Step[], layout: Layout): string {
  const lines = [`artifacts: ${layout.artifacts} (not created by a dry run)`];
  plan.forEach((s, n) => {
    lines.push(`${n + 1}. ${s.title}`);
    for (const d of s.details) lines.push(`   - ${d}`);
  });
  return lines.join('\n');
}
