/**
 * install against a member API kept in memory: what it writes when someone
 * edits the ConfigMap under it (409), and what it does first about a change
 * a previous run left half done. The API is the part client-node's clients
 * call; the end-to-end behaviour on a real member is test/e2e's.
 */
import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { KUBEADM_COREFILE } from '../../test/env/manifests.js';
import { CHANGE_RECORD_ANNOTATION, corefileHash, readChangeRecord, type ChangeRecord } from './change-record.js';
import { planInstall } from './corefile/index.js';
import { installCoreDns } from './install.js';
import { RESTARTED_AT } from './rollout.js';

const EDIT = '# tuned by a person\n';
const notFound = () => new k8s.ApiException(404, 'Not Found', { kind: 'Status', code: 404, reason: 'NotFound' }, {});
const conflict = () => new k8s.ApiException(409, 'Conflict', { kind: 'Status', code: 409, reason: 'Conflict' }, {});

/** What the Deployment does once its pod template changes. */
type OnRollout = 'becomes-healthy' | 'fails' | 'stays-progressing';

class FakeMember {
  rv = 1;
  configMap: k8s.V1ConfigMap = { metadata: { name: 'coredns', namespace: 'kube-system', resourceVersion: '1' }, data: { Corefile: KUBEADM_COREFILE } };
  deployment: k8s.V1Deployment = {
    metadata: { name: 'coredns', namespace: 'kube-system', generation: 1, resourceVersion: '1' },
    spec: { replicas: 2, selector: {}, template: { metadata: { annotations: {} }, spec: { serviceAccountName: 'coredns', containers: [{ name: 'coredns', image: 'coredns:v1.14.7' }] } } },
    status: { observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 2 },
  };
  onRollout: OnRollout = 'becomes-healthy';
  /** Every ConfigMap body a replace stored, in order. */
  readonly stored: k8s.V1ConfigMap[] = [];
  /** Runs before each replace is checked: a person's edit lands between our read and our write. */
  beforeReplace: (() => void) | undefined;

  personEdits(): void {
    this.configMap = { ...this.configMap, metadata: { ...this.configMap.metadata, resourceVersion: String(++this.rv) }, data: { Corefile: `${this.configMap.data?.['Corefile'] ?? ''}${EDIT}` } };
  }

  setDeploymentHealth(h: 'healthy' | 'failed' | 'progressing', restartedAt: string | undefined): void {
    const generation = (this.deployment.metadata?.generation ?? 0) + 1;
    const annotations = restartedAt === undefined ? {} : { [RESTARTED_AT]: restartedAt };
    this.deployment = {
      ...this.deployment,
      metadata: { ...this.deployment.metadata, generation, resourceVersion: String(++this.rv) },
      spec: { ...this.deployment.spec!, template: { ...this.deployment.spec!.template, metadata: { annotations } } },
      status: {
        observedGeneration: generation,
        ...(h === 'healthy' ? { replicas: 2, updatedReplicas: 2, availableReplicas: 2 } : { replicas: 3, updatedReplicas: 1, availableReplicas: 2 }),
        ...(h === 'failed' ? { conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] } : {}),
      },
    };
  }

  private readonly core = {
    readNamespacedConfigMap: async () => structuredClone(this.configMap),
    replaceNamespacedConfigMap: async ({ body }: { body: k8s.V1ConfigMap }) => {
      this.beforeReplace?.();
      if (body.metadata?.resourceVersion !== this.configMap.metadata?.resourceVersion) throw conflict();
      this.configMap = { ...structuredClone(body), metadata: { ...body.metadata, resourceVersion: String(++this.rv) } };
      this.stored.push(structuredClone(this.configMap));
      return structuredClone(this.configMap);
    },
  };

  private readonly apps = {
    readNamespacedDeployment: async () => structuredClone(this.deployment),
    patchNamespacedDeployment: async ({ body }: { body: { metadata: { resourceVersion?: string }; spec: { template: { metadata: { annotations: Record<string, string | null> } } } } }) => {
      if (body.metadata.resourceVersion !== this.deployment.metadata?.resourceVersion) throw conflict();
      const value = body.spec.template.metadata.annotations[RESTARTED_AT];
      const undo = value === null || value === undefined;
      const after = { 'becomes-healthy': 'healthy', fails: 'failed', 'stays-progressing': 'progressing' } as const;
      this.setDeploymentHealth(undo ? 'healthy' : after[this.onRollout], value ?? undefined);
      return structuredClone(this.deployment);
    },
  };

  kubeConfig(): k8s.KubeConfig {
    const clients = new Map<unknown, unknown>([
      [k8s.CoreV1Api, this.core],
      [k8s.AppsV1Api, this.apps],
      [k8s.RbacAuthorizationV1Api, { readClusterRole: async () => Promise.reject(notFound()), readClusterRoleBinding: async () => Promise.reject(notFound()) }],
      [k8s.AuthorizationV1Api, { createSelfSubjectAccessReview: async () => ({ status: { allowed: true } }) }],
      [k8s.KubernetesObjectApi, { setDefaultNamespace: () => undefined, patch: async () => ({}) }],
    ]);
    return { makeApiClient: (cls: unknown) => clients.get(cls) } as unknown as k8s.KubeConfig;
  }
}

const corefile = (m: FakeMember) => m.configMap.data?.['Corefile'] ?? '';
const record = (m: FakeMember) => readChangeRecord(m.configMap);

describe('installCoreDns and a person editing the ConfigMap (optimistic concurrency)', () => {
  it('an edit between our read and our write: the 409 makes install read again and plan on top of it, so the edit is kept', async () => {
    const m = new FakeMember();
    let edits = 0;
    m.beforeReplace = () => {
      if (edits++ === 0) m.personEdits();
    };
    const r = await installCoreDns(m.kubeConfig(), { rollout: { mode: 'never' } });
    expect(r.kind, r.message).to.equal('installed');
    expect(corefile(m), 'their edit').to.include(EDIT);
    expect(corefile(m), 'our stanza').to.include('multicluster clusterset.local');
    expect(m.stored, 'one write landed: the one planned on their edit').to.have.length(1);
  });

  it('a ConfigMap edited under every write: install gives up for now, and never overwrites the edits', async () => {
    const m = new FakeMember();
    m.beforeReplace = () => m.personEdits();
    const r = await installCoreDns(m.kubeConfig(), { rollout: { mode: 'never' } });
    expect(r.kind).to.equal('refused');
    expect(r.message).to.match(/changed under every one of 3 writes/);
    expect(m.stored).to.deep.equal([]);
    expect(corefile(m)).to.equal(KUBEADM_COREFILE + EDIT + EDIT + EDIT);
  });
});

describe('installCoreDns keeps a change record, and judges the one it finds first', () => {
  const rollout = { mode: 'always' as const, pollMs: 1, timeoutMs: 2_000 };

  it('writes the change pending with the restartedAt its rollout then sets, and marks it verified once healthy', async () => {
    const m = new FakeMember();
    const r = await installCoreDns(m.kubeConfig(), { rollout });
    expect(r.kind, r.message).to.equal('installed');
    const first = readChangeRecord(m.stored[0]!);
    expect(first?.state, 'written with the Corefile, before the rollout').to.equal('pending');
    expect(first?.previous).to.equal(KUBEADM_COREFILE);
    expect(first?.restartedAt).to.equal(m.deployment.spec?.template.metadata?.annotations?.[RESTARTED_AT]);
    expect(record(m)?.state).to.equal('verified');
  });

  /** The ConfigMap and Deployment a leader leaves when it dies mid-rollout: our Corefile, a pending record, our restart. */
  function leftMidRollout(deploymentNow: 'healthy' | 'failed'): FakeMember {
    const m = new FakeMember();
    const plan = planInstall(KUBEADM_COREFILE, { flavor: 'in-tree' });
    if (plan.kind !== 'changed') throw new Error(`fixture: ${plan.kind}`);
    const ours = plan.corefile;
    const at = new Date(Date.now() - 5_000).toISOString();
    const rec: ChangeRecord = { state: 'pending', wrote: corefileHash(ours), previous: KUBEADM_COREFILE, at, restartedAt: at };
    m.configMap = { ...m.configMap, metadata: { ...m.configMap.metadata, annotations: { [CHANGE_RECORD_ANNOTATION]: JSON.stringify(rec) } }, data: { Corefile: ours } };
    m.setDeploymentHealth(deploymentNow, at);
    return m;
  }

  it('a new leader finding our stanza and a failed rollout puts the previous Corefile back and undoes the restart, though the stanza is "unchanged"', async () => {
    const m = leftMidRollout('failed');
    const r = await installCoreDns(m.kubeConfig(), { rollout });
    expect(r.kind, r.message).to.equal('rolled-back');
    expect(r.message).to.match(/previous run's change did not hold.*ProgressDeadlineExceeded/);
    expect(corefile(m)).to.equal(KUBEADM_COREFILE);
    expect(record(m)?.state).to.equal('rolled-back');
    expect(m.deployment.spec?.template.metadata?.annotations?.[RESTARTED_AT], 'the pod template as before our restart').to.equal(undefined);
  });

  it('a new leader finding our rollout healthy confirms it and goes on as unchanged', async () => {
    const m = leftMidRollout('healthy');
    const r = await installCoreDns(m.kubeConfig(), { rollout });
    expect(r.kind, r.message).to.equal('unchanged');
    expect(record(m)?.state).to.equal('verified');
    expect(corefile(m)).to.include('multicluster clusterset.local');
  });

  it('a rollout that never became healthy: rolled back, and the record says so for the next run', async () => {
    const m = new FakeMember();
    m.onRollout = 'fails';
    const r = await installCoreDns(m.kubeConfig(), { rollout });
    expect(r.kind, r.message).to.equal('rolled-back');
    expect(corefile(m)).to.equal(KUBEADM_COREFILE);
    expect(record(m)?.state).to.equal('rolled-back');
  });

  it('aborted mid-rollout (SIGTERM): stops waiting at once, writes nothing more, and leaves the record pending for the next leader', async () => {
    const m = new FakeMember();
    m.onRollout = 'stays-progressing';
    const stop = new AbortController();
    const running = installCoreDns(m.kubeConfig(), { rollout: { ...rollout, timeoutMs: 60_000, pollMs: 10 } }, stop.signal);
    setTimeout(() => stop.abort('SIGTERM'), 20);
    const started = Date.now();
    const e = await running.then(() => undefined, (err: unknown) => err);
    expect(Date.now() - started, 'not the 60 s timeout').to.be.below(1_000);
    expect(e).to.be.instanceOf(Error).with.property('name', 'RolloutWaitAborted');
    expect(m.stored, 'only the change itself').to.have.length(1);
    expect(record(m)?.state).to.equal('pending');
  });
});
