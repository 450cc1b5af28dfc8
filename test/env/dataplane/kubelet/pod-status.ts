/**
 * The status a kubelet reports for a pod, computed from what its processes
 * are doing. Pure: the supervisor records process events, the API loop
 * writes what this returns when it differs from what it last wrote.
 */
import type { PlanRefusal, ProbePlan, RestartPolicy } from './run-plan.js';

export interface Terminated {
  exitCode: number;
  signal?: string;
  reason: string; // 'Completed' or 'Error', as the kubelet says
  startedAt: string;
  finishedAt: string;
}

export type ContainerState =
  | { kind: 'waiting'; reason: string; message?: string }
  | { kind: 'running'; startedAt: string }
  | { kind: 'terminated'; terminated: Terminated };

export interface ContainerRuntime {
  name: string;
  image: string;
  restartCount: number;
  state: ContainerState;
  lastTerminated?: Terminated;
  ready: boolean;
  /** Terminated for good: the restart policy will not start it again. */
  done: boolean;
}

export interface PodRuntimeView {
  refusal?: PlanRefusal;
  podIp?: string;
  hostIp: string;
  startTime: string;
  containers: ContainerRuntime[];
}

export interface Condition {
  type: string;
  status: 'True' | 'False';
  lastTransitionTime: string;
  reason?: string;
  message?: string;
}

export interface PreviousCondition {
  type?: string;
  status?: string;
  lastTransitionTime?: Date | string;
}

/** Kubernetes times have whole seconds; writing them so makes what we wrote compare equal to what we read back. */
export const kubeTime = (d: Date | string): string => new Date(d).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function podPhase(view: PodRuntimeView): 'Pending' | 'Running' | 'Succeeded' | 'Failed' {
  if (view.refusal) return 'Failed';
  const cs = view.containers;
  if (cs.length > 0 && cs.every((c) => c.done)) {
    return cs.every((c) => c.state.kind === 'terminated' && c.state.terminated.exitCode === 0) ? 'Succeeded' : 'Failed';
  }
  // A container between two runs still counts: the pod is running, as for the kubelet.
  if (cs.some((c) => c.state.kind === 'running' || c.restartCount > 0 || c.state.kind === 'terminated')) return 'Running';
  return 'Pending';
}

/** Whether a container restarts after exiting with `exitCode` under `policy`. */
export function restarts(policy: RestartPolicy, exitCode: number): boolean {
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
}

export interface ReadinessState {
  ready: boolean;
  successes: number;
  failures: number;
}

export const NOT_READY: ReadinessState = { ready: false, successes: 0, failures: 0 };

/** Readiness after one probe result: it changes only after successThreshold passes or failureThreshold failures in a row. */
export function afterProbe(s: ReadinessState, passed: boolean, p: Pick<ProbePlan, 'successThreshold' | 'failureThreshold'>): ReadinessState {
  if (passed) {
    const successes = s.successes + 1;
    return { ready: s.ready || successes >= p.successThreshold, successes, failures: 0 };
  }
  const failures = s.failures + 1;
  return { ready: s.ready && failures < p.failureThreshold, successes: 0, failures };
}

/** The `status` to write (a JSON merge patch body: arrays here replace the server's). */
export function desiredPodStatus(view: PodRuntimeView, previous: readonly PreviousCondition[], now: string): Record<string, unknown> {
  const phase = podPhase(view);
  const unready = view.containers.filter((c) => !c.ready).map((c) => c.name);
  const containersReady = phase === 'Running' && unready.length === 0 && view.containers.length > 0;
  const whyNot = (): Pick<Condition, 'reason' | 'message'> => {
    if (phase === 'Succeeded' || phase === 'Failed') return { reason: 'PodCompleted' };
    return { reason: 'ContainersNotReady', message: `containers with unready status: [${unready.join(' ')}]` };
  };
  const ours: Omit<Condition, 'lastTransitionTime'>[] = [
    { type: 'PodScheduled', status: 'True' },
    { type: 'Initialized', status: 'True' },
    { type: 'ContainersReady', status: containersReady ? 'True' : 'False', ...(containersReady ? {} : whyNot()) },
    { type: 'Ready', status: containersReady ? 'True' : 'False', ...(containersReady ? {} : whyNot()) },
  ];
  const conditions = ours.map((c): Condition => {
    const prev = previous.find((p) => p.type === c.type);
    const since = prev?.status === c.status && prev.lastTransitionTime ? kubeTime(prev.lastTransitionTime) : now;
    return { ...c, lastTransitionTime: since };
  });
  // Conditions others own (readiness gates, DisruptionTarget) are kept as they are.
  const others = previous.filter((p) => !ours.some((c) => c.type === p.type));
  const status: Record<string, unknown> = {
    phase,
    hostIP: view.hostIp,
    hostIPs: [{ ip: view.hostIp }],
    startTime: view.startTime,
    conditions: [...others, ...conditions],
    containerStatuses: view.containers.map(containerStatus),
  };
  if (view.podIp) Object.assign(status, { podIP: view.podIp, podIPs: [{ ip: view.podIp }] });
  if (view.refusal) Object.assign(status, { reason: view.refusal.reason, message: view.refusal.message });
  return status;
}

function containerStatus(c: ContainerRuntime): Record<string, unknown> {
  const s: Record<string, unknown> = {
    name: c.name,
    image: c.image,
    imageID: '',
    ready: c.ready,
    restartCount: c.restartCount,
    started: c.state.kind === 'running',
    state: stateJson(c.state),
  };
  if (c.lastTerminated) s['lastState'] = { terminated: terminatedJson(c.lastTerminated) };
  return s;
}

function stateJson(s: ContainerState): Record<string, unknown> {
  switch (s.kind) {
    case 'waiting':
      return { waiting: { reason: s.reason, ...(s.message ? { message: s.message } : {}) } };
    case 'running':
      return { running: { startedAt: s.startedAt } };
    case 'terminated':
      return { terminated: terminatedJson(s.terminated) };
  }
}

const terminatedJson = (t: Terminated) => ({
  exitCode: t.exitCode,
  reason: t.reason,
  startedAt: t.startedAt,
  finishedAt: t.finishedAt,
  ...(t.signal ? { message: `killed by ${t.signal}` } : {}),
});
