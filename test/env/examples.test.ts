/**
 * examples/ as a user reads and copies it, checked without an API server:
 * the files parse, in the order a user applies them; each holds the kinds and
 * namespace examples/README.md says; every PropagationPolicy selects objects
 * that the examples (or crds/) define, and sends them where the README says;
 * the names and ports that must agree across files do; and the local
 * environment's override makes exactly the example's Deployment runnable,
 * in the exporter, serving the port its Service targets.
 */
import { expect } from 'chai';
import type { KubernetesObject } from '@kubernetes/client-node';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './binaries.js';
import { SCHEDULER_NAME } from './dataplane/kubelet/types.js';
import { EXAMPLE, readExamples, readRunnableOverride } from './examples.js';
import { parseYamlObjects } from './kube.js';
import { mcsCrdPropagation } from './manifests.js';
import { MEMBERS } from './state.js';

type Obj = KubernetesObject & Record<string, unknown>;
interface Selector { apiVersion: string; kind: string; name?: string }
interface Policy extends Obj { spec: { resourceSelectors: Selector[]; placement: { clusterAffinity?: { clusterNames?: string[] } } } }
interface Port { name?: string; port?: number; protocol?: string; targetPort?: string | number; containerPort?: number }

const { namespace, service, exporter, importer } = EXAMPLE;
const examples = readExamples();
const all = examples.flatMap((f) => f.objects) as Obj[];
const ofKind = <T extends Obj>(kind: string) => all.filter((o) => o.kind === kind) as T[];
const one = <T extends Obj>(kind: string) => {
  const found = ofKind<T>(kind);
  expect(found.map((o) => o.metadata?.name), `one ${kind}`).to.have.length(1);
  return found[0]!;
};
const isPolicy = (o: Obj): o is Policy => o.kind === 'PropagationPolicy' || o.kind === 'ClusterPropagationPolicy';
// The CRDs Karmada's control plane holds (crds/*.yaml), which the example policy propagates; not crds/mcs-api/.
const crdNames = readdirSync(join(repoRoot, 'crds')).filter((f) => f.endsWith('.yaml')).flatMap((f) => parseYamlObjects(readFileSync(join(repoRoot, 'crds', f), 'utf8')))
  .map((o) => ({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata?.name } }) as Obj);

/** The objects a selector picks, as Karmada matches it: group/version, kind, name, and the policy's own namespace. */
function selected(policy: Policy, s: Selector, candidates: Obj[]): Obj[] {
  return candidates.filter((o) => o.apiVersion === s.apiVersion && o.kind === s.kind && (s.name === undefined || o.metadata?.name === s.name)
    && (policy.kind === 'ClusterPropagationPolicy' || o.metadata?.namespace === policy.metadata?.namespace));
}

describe('examples/ (as a user copies it)', () => {
  it('parses into these objects, file by file, in the order a user applies them', () => {
    const table = examples.map(({ file, objects }) => [file, objects.map((o) => `${o.kind} ${o.metadata?.namespace ?? '-'}/${o.metadata?.name}`)]);
    expect(table).to.deep.equal([
      ['examples/00-mcs-crds.yaml', ['ClusterPropagationPolicy -/multicluster-services-crds']],
      ['examples/10-web.yaml', ['Namespace -/demo', 'Deployment demo/web', 'Service demo/web', 'PropagationPolicy demo/web']],
      ['examples/20-web-export.yaml', ['ServiceExport demo/web', 'PropagationPolicy demo/web-export']],
      ['examples/30-web-import.yaml', ['ServiceImport demo/web', 'PropagationPolicy demo/web-import']],
    ]);
    expect(all.every((o) => o.apiVersion && o.kind && o.metadata?.name)).to.equal(true);
  });

  it('places each policy\'s objects where the README says', () => {
    const placements = all.filter(isPolicy).map((p) => [
      p.metadata?.name,
      p.spec.resourceSelectors.map((s) => `${s.kind} ${s.name}`),
      p.spec.placement.clusterAffinity?.clusterNames,
    ]);
    expect(placements).to.deep.equal([
      ['multicluster-services-crds', ['CustomResourceDefinition serviceexports.multicluster.x-k8s.io', 'CustomResourceDefinition serviceimports.multicluster.x-k8s.io'], [exporter, importer]],
      ['web', [`Deployment ${service}`, `Service ${service}`], [exporter]],
      ['web-export', [`ServiceExport ${service}`], [exporter]],
      ['web-import', [`ServiceImport ${service}`], [importer]],
    ]);
  });

  it('every selector picks exactly one object the examples (or crds/) define, in the policy\'s namespace', () => {
    for (const p of all.filter(isPolicy)) {
      for (const s of p.spec.resourceSelectors) {
        const hits = selected(p, s, p.kind === 'ClusterPropagationPolicy' ? crdNames : all);
        expect(hits, `${p.kind} ${p.metadata?.name} selects ${s.kind} ${s.name}`).to.have.length(1);
      }
    }
  });

  it('every namespaced object but the policies is propagated by exactly one PropagationPolicy', () => {
    const policies = ofKind<Policy>('PropagationPolicy');
    for (const o of all.filter((x) => x.metadata?.namespace !== undefined && !isPolicy(x))) {
      const by = policies.filter((p) => p.spec.resourceSelectors.some((s) => selected(p, s, [o]).length > 0));
      expect(by.map((p) => p.metadata?.name), `${o.kind} ${o.metadata?.name}`).to.have.length(1);
      expect(o.metadata?.namespace).to.equal(namespace);
    }
  });

  it('creates the namespace before any file puts an object in it', () => {
    const first = examples.findIndex((f) => f.objects.some((o) => o.metadata?.namespace === namespace));
    const creates = examples.findIndex((f) => f.objects.some((o) => o.kind === 'Namespace' && o.metadata?.name === namespace));
    expect(creates).to.be.within(0, first);
    const file = examples[creates]!.objects;
    expect(file.findIndex((o) => o.kind === 'Namespace')).to.equal(0);
  });

  it('is the CRD policy the local environment applies, so applying it there changes nothing', () => {
    expect(one('ClusterPropagationPolicy')).to.deep.equal(mcsCrdPropagation([...MEMBERS]));
  });

  it('selects the Deployment\'s pods with the Service, and imports the Service\'s ports under the same names', () => {
    const svc = one<Obj & { spec: { selector: Record<string, string>; ports: Port[] } }>('Service');
    const deploy = one<Obj & { spec: { template: { metadata: { labels: Record<string, string> } } } }>('Deployment');
    expect(deploy.spec.template.metadata.labels).to.include(svc.spec.selector);
    const si = one<Obj & { spec: { type: string; ports: Port[] } }>('ServiceImport');
    expect(si.spec.type).to.equal('ClusterSetIP');
    expect(si.spec.ports).to.deep.equal(svc.spec.ports.map(({ name, port, protocol }) => ({ name, port, protocol })));
    expect(svc.metadata?.name).to.equal(service);
    expect(one('ServiceExport').metadata?.name).to.equal(service);
  });
});

describe('the override that runs the example\'s pods on the local environment (test/env/fixtures)', () => {
  interface Plain { path: string; operator: string; value?: unknown }
  type Override = Obj & { spec: { resourceSelectors: Selector[]; overrideRules: Array<{ targetCluster: { clusterNames: string[] }; overriders: { plaintext: Plain[] } }> } };
  const [override, ...rest] = readRunnableOverride() as Override[];
  const plain = () => override?.spec.overrideRules[0]?.overriders.plaintext ?? [];
  const at = (path: string) => plain().find((p) => p.path === path);

  it('is one OverridePolicy, for the example\'s Deployment, in the exporter only', () => {
    expect(rest).to.have.length(0);
    expect(override?.kind).to.equal('OverridePolicy');
    expect(override?.metadata?.namespace).to.equal(namespace);
    const deploy = one('Deployment');
    expect(override?.spec.resourceSelectors).to.deep.equal([{ apiVersion: deploy.apiVersion, kind: 'Deployment', name: deploy.metadata?.name }]);
    expect(override?.spec.overrideRules.map((r) => r.targetCluster.clusterNames)).to.deep.equal([[exporter]]);
  });

  it('hands the pods to the process kubelet and runs a command on the port the Service targets, leaving the probe and ports as the example has them', () => {
    expect(at('/spec/template/spec/schedulerName')?.value).to.equal(SCHEDULER_NAME);
    expect(at('/spec/template/spec/containers/0/args')?.operator, 'agnhost\'s args would be the command\'s').to.equal('remove');
    const command = at('/spec/template/spec/containers/0/command')?.value as string[];
    const svcPort = one<Obj & { spec: { ports: Port[] } }>('Service').spec.ports[0];
    const containerPorts = one<Obj & { spec: { template: { spec: { containers: Array<{ ports: Port[] }> } } } }>('Deployment').spec.template.spec.containers.flatMap((c) => c.ports);
    const target = containerPorts.find((c) => c.name === svcPort?.targetPort)?.containerPort;
    expect(target, 'the Service targets a named container port').to.be.a('number');
    expect(command.join(' ')).to.include(`TCP4-LISTEN:${target},`);
    expect(plain().map((p) => p.path).filter((p) => /readinessProbe|ports/.test(p)), 'the example\'s own probe and ports are used').to.deep.equal([]);
  });
});
