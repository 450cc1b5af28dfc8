import { expect } from 'chai';
import { afterProbe, desiredPodStatus, kubeTime, NOT_READY, podPhase, restarts, type ContainerRuntime, type PodRuntimeView } from './pod-status.js';

const T0 = '2026-11-30T10:00:00Z';
const T1 = '2026-11-30T10:00:05Z';
const running = (name: string, ready: boolean, restartCount = 0): ContainerRuntime => ({ name, image: 'img', restartCount, state: { kind: 'running', startedAt: T0 }, ready, done: false });
const exited = (name: string, exitCode: number, done: boolean): ContainerRuntime => ({
  name, image: 'img', restartCount: 0, ready: false, done,
  state: { kind: 'terminated', terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: T0, finishedAt: T1 } },
});
const waiting = (name: string): ContainerRuntime => ({ name, image: 'img', restartCount: 0, state: { kind: 'waiting', reason: 'ContainerCreating' }, ready: false, done: false });
const view = (containers: ContainerRuntime[], extra: Partial<PodRuntimeView> = {}): PodRuntimeView => ({ hostIp: '10.255.0.1', podIp: '10.10.0.2', startTime: T0, containers, ...extra });

describe('process kubelet: pod status', () => {
  const phases: { name: string; view: PodRuntimeView; want: string }[] = [
    { name: 'nothing started yet', view: view([waiting('a')]), want: 'Pending' },
    { name: 'one running', view: view([running('a', false), waiting('b')]), want: 'Running' },
    { name: 'waiting to restart', view: view([{ ...waiting('a'), restartCount: 1 }]), want: 'Running' },
    { name: 'one done, one running', view: view([exited('a', 0, true), running('b', true)]), want: 'Running' },
    { name: 'all done with 0', view: view([exited('a', 0, true), exited('b', 0, true)]), want: 'Succeeded' },
    { name: 'all done, one failed', view: view([exited('a', 0, true), exited('b', 2, true)]), want: 'Failed' },
    { name: 'refused', view: view([waiting('a')], { refusal: { reason: 'R', message: 'm' } }), want: 'Failed' },
  ];
  for (const c of phases) it(`phase: ${c.name} → ${c.want}`, () => expect(podPhase(c.view)).to.equal(c.want));

  it('restarts as the restart policy says', () => {
    const table: [Parameters<typeof restarts>[0], number, boolean][] = [
      ['Always', 0, true], ['Always', 1, true], ['OnFailure', 0, false], ['OnFailure', 1, true], ['Never', 0, false], ['Never', 1, false],
    ];
    for (const [policy, code, want] of table) expect(restarts(policy, code), `${policy} ${code}`).to.equal(want);
  });

  it('turns ready after successThreshold passes and unready after failureThreshold failures in a row', () => {
    const p = { successThreshold: 2, failureThreshold: 2 };
    let s = afterProbe(NOT_READY, true, p);
    expect(s.ready).to.equal(false);
    s = afterProbe(s, true, p);
    expect(s.ready).to.equal(true);
    s = afterProbe(s, false, p);
    expect(s.ready).to.equal(true);
    s = afterProbe(afterProbe(s, true, p), false, p);
    expect(s.ready, 'a pass in between resets the count').to.equal(true);
    s = afterProbe(s, false, p);
    expect(s.ready).to.equal(false);
  });

  it('reports a ready pod with its addresses and container states', () => {
    const status = desiredPodStatus(view([running('web', true, 2)]), [], T1);
    expect(status).to.deep.include({ phase: 'Running', podIP: '10.10.0.2', podIPs: [{ ip: '10.10.0.2' }], hostIP: '10.255.0.1', startTime: T0 });
    expect(status['conditions']).to.deep.equal(['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({ type, status: 'True', lastTransitionTime: T1 })));
    expect(status['containerStatuses']).to.deep.equal([
      { name: 'web', image: 'img', imageID: '', ready: true, restartCount: 2, started: true, state: { running: { startedAt: T0 } } },
    ]);
  });

  it('keeps a condition transition time while its status holds, keeps others\' conditions, and names unready containers', () => {
    const previous = [
      { type: 'Ready', status: 'True', lastTransitionTime: new Date(T0) },
      { type: 'PodScheduled', status: 'True', lastTransitionTime: new Date(T0) },
      { type: 'DisruptionTarget', status: 'False', lastTransitionTime: new Date(T0) },
    ];
    const status = desiredPodStatus(view([running('a', true), running('b', false)]), previous, T1);
    const conditions = status['conditions'] as { type: string; status: string; lastTransitionTime: unknown; message?: string }[];
    expect(conditions.map((c) => [c.type, c.status, kubeTime(c.lastTransitionTime as string)])).to.deep.equal([
      ['DisruptionTarget', 'False', T0],
      ['PodScheduled', 'True', T0],
      ['Initialized', 'True', T1],
      ['ContainersReady', 'False', T1],
      ['Ready', 'False', T1],
    ]);
    expect(conditions.find((c) => c.type === 'Ready')?.message).to.equal('containers with unready status: [b]');
  });

  it('reports a refused pod Failed with the reason, and a finished one with its exit code', () => {
    const refused = desiredPodStatus({ hostIp: '10.255.0.1', startTime: T0, containers: [waiting('a')], refusal: { reason: 'UnsupportedByProcessKubelet', message: 'no command' } }, [], T1);
    expect(refused).to.deep.include({ phase: 'Failed', reason: 'UnsupportedByProcessKubelet', message: 'no command' });
    expect(refused).not.to.have.property('podIP');
    const done = desiredPodStatus(view([{ ...exited('a', 3, true), lastTerminated: { exitCode: 1, reason: 'Error', startedAt: T0, finishedAt: T0 } }]), [], T1);
    expect(done['phase']).to.equal('Failed');
    expect((done['containerStatuses'] as Record<string, unknown>[])[0]).to.deep.include({
      ready: false,
      started: false,
      state: { terminated: { exitCode: 3, reason: 'Error', startedAt: T0, finishedAt: T1 } },
      lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: T0, finishedAt: T0 } },
    });
  });

  it('writes times with whole seconds', () => {
    expect(kubeTime(new Date('2026-11-30T10:00:00.123Z'))).to.equal(T0);
  });
});
