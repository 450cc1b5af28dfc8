import type * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { CHANGE_RECORD_ANNOTATION, corefileHash, readChangeRecord, withCorefile, type ChangeRecord } from './change-record.js';
import { decideRecovery, type RecoveryAction } from './recovery.js';
import { RESTARTED_AT } from './rollout.js';

const OLD = '.:53 {\n    kubernetes cluster.local\n}\n';
const NEW = `${OLD}clusterset.local:53 {\n    multicluster clusterset.local\n}\n`;
const WROTE_AT = '2026-01-01T10:00:00.000Z';
const T0 = Date.parse(WROTE_AT);
const OUR_RESTART = WROTE_AT;

/** Fields to override in the default pending record; undefined drops one. */
type RecordChange = { [K in keyof ChangeRecord]?: ChangeRecord[K] | undefined };

function configMap(corefile: string, record?: RecordChange | 'garbage'): k8s.V1ConfigMap {
  const full: RecordChange = { state: 'pending', wrote: corefileHash(NEW), previous: OLD, at: WROTE_AT, restartedAt: OUR_RESTART, ...(typeof record === 'object' ? record : {}) };
  const annotations = record === undefined ? {} : { [CHANGE_RECORD_ANNOTATION]: record === 'garbage' ? '{not json' : JSON.stringify(full) };
  return { metadata: { name: 'coredns', namespace: 'kube-system', resourceVersion: '7', annotations }, data: { Corefile: corefile } };
}

type Health = 'healthy' | 'progressing' | 'failed' | 'not-observed';

/** `restartedAt` null: the pod template has no restart annotation. */
function deployment(health: Health, restartedAt: string | null = OUR_RESTART): k8s.V1Deployment {
  const annotations = restartedAt === null ? {} : { [RESTARTED_AT]: restartedAt };
  const status: k8s.V1DeploymentStatus = {
    observedGeneration: health === 'not-observed' ? 1 : 2,
    replicas: health === 'progressing' ? 3 : 2,
    updatedReplicas: health === 'healthy' ? 2 : 1,
    availableReplicas: health === 'healthy' ? 2 : 1,
    ...(health === 'failed' ? { conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] } : {}),
  };
  return {
    metadata: { name: 'coredns', namespace: 'kube-system', generation: 2 },
    spec: { replicas: 2, selector: {}, template: { metadata: { annotations } } },
    status,
  };
}

interface Case {
  name: string;
  corefile?: string;
  record?: RecordChange | 'garbage';
  deployment?: k8s.V1Deployment | undefined;
  /** Seconds after the write. */
  at?: number;
  want: Partial<RecoveryAction> & { action: RecoveryAction['action'] };
}

const cases: Case[] = [
  { name: 'no record, CoreDNS healthy: nothing to do', corefile: NEW, deployment: deployment('healthy'), want: { action: 'none' } },
  { name: 'no record, CoreDNS broken: reported, not touched (not our change)', corefile: NEW, deployment: deployment('failed'), want: { action: 'report' } },
  { name: 'a record that does not parse counts as none', corefile: NEW, record: 'garbage', deployment: deployment('failed'), want: { action: 'report' } },
  { name: 'verified earlier, broken now: someone else broke it; reported', corefile: NEW, record: { state: 'verified' }, deployment: deployment('failed'), want: { action: 'report' } },
  { name: 'already rolled back, healthy: nothing', corefile: OLD, record: { state: 'rolled-back' }, deployment: deployment('healthy'), want: { action: 'none' } },
  { name: 'pending, healthy after our rollout: confirmed', corefile: NEW, record: {}, deployment: deployment('healthy'), want: { action: 'confirm' } },
  { name: 'pending without a rollout (reload): confirmed when healthy', corefile: NEW, record: { restartedAt: undefined }, deployment: deployment('healthy', null), want: { action: 'confirm' } },
  { name: 'pending, still rolling out within the timeout: wait for the rest', corefile: NEW, record: {}, deployment: deployment('progressing'), at: 30, want: { action: 'wait', forMs: 90_000 } },
  { name: 'pending, controller has not observed it yet: wait', corefile: NEW, record: {}, deployment: deployment('not-observed'), at: 1, want: { action: 'wait' } },
  {
    name: 'pending, still progressing past the timeout: restore and undo our restart',
    corefile: NEW, record: {}, deployment: deployment('progressing'), at: 121,
    want: { action: 'restore', previous: OLD, undoRestart: OUR_RESTART, then: 'stop' },
  },
  {
    name: 'pending, ProgressDeadlineExceeded: restore at once',
    corefile: NEW, record: {}, deployment: deployment('failed'), at: 5,
    want: { action: 'restore', previous: OLD, undoRestart: OUR_RESTART, then: 'stop' },
  },
  {
    name: 'pending, the rollout never started (died between the two writes): restore, then install again',
    corefile: NEW, record: {}, deployment: deployment('healthy', '2025-12-01T00:00:00.000Z'),
    want: { action: 'restore', previous: OLD, undoRestart: undefined, then: 'reinstall' },
  },
  {
    name: 'pending, no restart annotation on the template at all: the rollout never started',
    corefile: NEW, record: {}, deployment: deployment('healthy', null),
    want: { action: 'restore', undoRestart: undefined, then: 'reinstall' },
  },
  {
    name: 'pending, someone restarted after us and it failed: restore, but their restart is not ours to undo',
    corefile: NEW, record: {}, deployment: deployment('failed', '2026-01-01T10:00:05.000Z'),
    want: { action: 'restore', undoRestart: undefined, then: 'stop' },
  },
  { name: 'pending, but a person edited the Corefile since: their edit is kept', corefile: `${NEW}# tuned by hand\n`, record: {}, deployment: deployment('failed'), want: { action: 'report' } },
  { name: 'pending, Deployment unreadable: cannot judge, reported', corefile: NEW, record: {}, deployment: undefined, want: { action: 'report' } },
  { name: 'pending with an unparsable time: past its deadline', corefile: NEW, record: { at: 'yesterday' }, deployment: deployment('progressing', OUR_RESTART), want: { action: 'restore', then: 'stop' } },
];

describe('decideRecovery (a previous run\'s Corefile change)', () => {
  for (const c of cases) {
    it(c.name, () => {
      const got = decideRecovery({ configMap: configMap(c.corefile ?? NEW, c.record), deployment: 'deployment' in c ? c.deployment : deployment('healthy'), nowMs: T0 + (c.at ?? 0) * 1000, timeoutMs: 120_000 });
      expect(got).to.include(c.want);
      expect(got.reason).to.be.a('string').and.not.equal('');
    });
  }
});

describe('change record', () => {
  it('round-trips through the annotation and keeps the resourceVersion for the replace', () => {
    const record: ChangeRecord = { state: 'pending', wrote: corefileHash(NEW), previous: OLD, at: WROTE_AT, restartedAt: OUR_RESTART };
    const cm = withCorefile(configMap(OLD), NEW, record);
    expect(cm.data?.['Corefile']).to.equal(NEW);
    expect(cm.metadata?.resourceVersion).to.equal('7');
    expect(readChangeRecord(cm)).to.deep.equal(record);
    const cleared = withCorefile(cm, OLD, null);
    expect(readChangeRecord(cleared)).to.equal(undefined);
    expect(cleared.metadata?.annotations).to.not.have.property(CHANGE_RECORD_ANNOTATION);
    expect(withCorefile(cm, OLD, undefined).metadata?.annotations, 'undefined leaves the record alone').to.have.property(CHANGE_RECORD_ANNOTATION);
  });
});
