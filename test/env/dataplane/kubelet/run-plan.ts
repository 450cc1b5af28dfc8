/**
 * What the process kubelet will run for a pod, decided before it runs
 * anything: each container's argv (wrapped in `ip netns exec <podNs>`), its
 * environment, its readiness probe; or, for a pod it cannot run, why — the
 * pod is then reported Failed with that message, rather than left Pending
 * for a test to time out on.
 *
 * Pure. There are no images: `command` is run from the host's filesystem.
 */
import type * as k8s from '@kubernetes/client-node';
import { podNetworkNames } from './pod-network.js';
import type { NodeNetwork } from './types.js';

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

export interface ProbePlan {
  argv: string[];
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
}

export interface ContainerPlan {
  name: string;
  image: string;
  argv: string[];
  env: Record<string, string>;
  cwd?: string;
  readiness?: ProbePlan;
}

export interface PodPlan {
  podNs: string;
  restartPolicy: RestartPolicy;
  containers: ContainerPlan[];
}

/** Why a pod cannot run here; reported as the pod's status reason and message. */
export interface PlanRefusal {
  reason: string;
  message: string;
}

export type PlanResult = { ok: true; plan: PodPlan } | { ok: false; refusal: PlanRefusal };

export const REFUSAL_REASON = 'UnsupportedByProcessKubelet';

/** Longest a pod's processes get between SIGTERM and SIGKILL, whatever the pod asks: tests must not wait 30 s. */
export const MAX_GRACE_MS = 5_000;

export function graceMs(pod: k8s.V1Pod): number {
  return Math.min((pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000, MAX_GRACE_MS);
}

class Refused extends Error {}

/**
 * `baseEnv` is what every process gets before the container's own env
 * (PATH, so commands resolve as they do for the kubelet; never the
 * kubelet's whole environment, which holds its kubeconfig path).
 */
export function podRunPlan(pod: k8s.V1Pod, network: NodeNetwork, podIp: string, baseEnv: Record<string, string>): PlanResult {
  try {
    const spec = pod.spec;
    if (!spec) throw new Refused('pod has no spec');
    if ((spec.initContainers ?? []).length > 0) throw new Refused('init containers are not supported');
    const { podNs } = podNetworkNames(network, pod.metadata?.uid ?? '');
    const fields: Record<string, string> = {
      'metadata.name': pod.metadata?.name ?? '',
      'metadata.namespace': pod.metadata?.namespace ?? '',
      'metadata.uid': pod.metadata?.uid ?? '',
      'spec.nodeName': spec.nodeName ?? '',
      'status.podIP': podIp,
      'status.hostIP': network.nodeIp,
    };
    const containers = spec.containers.map((c) => containerPlan(c, podNs, podIp, fields, { ...baseEnv, HOSTNAME: pod.metadata?.name ?? '' }));
    return { ok: true, plan: { podNs, restartPolicy: (spec.restartPolicy ?? 'Always') as RestartPolicy, containers } };
  } catch (e) {
    if (e instanceof Refused) return { ok: false, refusal: { reason: REFUSAL_REASON, message: e.message } };
    throw e;
  }
}

function containerPlan(c: k8s.V1Container, podNs: string, podIp: string, fields: Record<string, string>, baseEnv: Record<string, string>): ContainerPlan {
  const who = `container ${c.name}`;
  if (!c.command || c.command.length === 0) {
    throw new Refused(`${who} has no command: the process kubelet has no images and runs \`command\` (+ \`args\`) as a host process, so every container must set \`command\``);
  }
  if ((c.envFrom ?? []).length > 0) throw new Refused(`${who}: envFrom is not supported`);
  const env: Record<string, string> = { ...baseEnv };
  for (const e of c.env ?? []) {
    if (e.valueFrom) {
      const path = e.valueFrom.fieldRef?.fieldPath;
      const value = path === undefined ? undefined : fields[path];
      if (value === undefined) throw new Refused(`${who}: env ${e.name}: only fieldRef to ${Object.keys(fields).join(', ')} is supported`);
      env[e.name] = value;
    } else {
      env[e.name] = expandVars(e.value ?? '', env);
    }
  }
  const argv = [...c.command, ...(c.args ?? [])].map((a) => expandVars(a, env));
  const plan: ContainerPlan = { name: c.name, image: c.image ?? '', argv: ['ip', 'netns', 'exec', podNs, ...argv], env };
  if (c.workingDir) plan.cwd = c.workingDir;
  if (c.readinessProbe) plan.readiness = probePlan(c, c.readinessProbe, podNs, podIp);
  return plan;
}

function probePlan(c: k8s.V1Container, p: k8s.V1Probe, podNs: string, podIp: string): ProbePlan {
  const timeoutSeconds = p.timeoutSeconds ?? 1;
  let argv: string[];
  if (p.exec?.command && p.exec.command.length > 0) {
    argv = ['ip', 'netns', 'exec', podNs, ...p.exec.command];
  } else if (p.tcpSocket) {
    const port = resolvePort(c, p.tcpSocket.port);
    argv = ['ip', 'netns', 'exec', podNs, 'nc', '-z', '-w', String(timeoutSeconds), p.tcpSocket.host || podIp, String(port)];
  } else if (p.httpGet) {
    argv = ['ip', 'netns', 'exec', podNs, ...httpProbeArgv(c, p.httpGet, podIp, timeoutSeconds)];
  } else {
    throw new Refused(`container ${c.name}: only exec, tcpSocket and HTTP httpGet readiness probes are supported`);
  }
  return {
    argv,
    initialDelayMs: (p.initialDelaySeconds ?? 0) * 1000,
    periodMs: (p.periodSeconds ?? 10) * 1000,
    timeoutMs: timeoutSeconds * 1000,
    successThreshold: p.successThreshold ?? 1,
    failureThreshold: p.failureThreshold ?? 3,
  };
}

/**
 * An HTTP GET as the kubelet's prober makes one (success: a status from 200
 * to 399), with socat, inside the pod's namespace. The request and the
 * address travel as positional parameters of `sh -c`, never spliced into
 * the script, so a path with quotes or spaces cannot change the command.
 */
function httpProbeArgv(c: k8s.V1Container, get: k8s.V1HTTPGetAction, podIp: string, timeoutSeconds: number): string[] {
  if ((get.scheme ?? 'HTTP').toUpperCase() !== 'HTTP') throw new Refused(`container ${c.name}: httpGet probes over ${get.scheme} are not supported, only HTTP`);
  const port = resolvePort(c, get.port);
  const host = get.host || podIp;
  const headers = (get.httpHeaders ?? []).map((h) => `${h.name}: ${h.value}\r\n`).join('');
  const request = `GET ${get.path || '/'} HTTP/1.0\r\nHost: ${host}:${port}\r\n${headers}\r\n`;
  const script = 'printf "%s" "$1" | socat -T "$2" - "TCP4:$3:$4" | head -n 1 | grep -Eq "^HTTP/[0-9.]+ [23][0-9][0-9]"';
  return ['sh', '-c', script, 'http-probe', request, String(timeoutSeconds), host, String(port)];
}

function resolvePort(c: k8s.V1Container, port: k8s.IntOrString): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const named = (c.ports ?? []).find((p) => p.name === port);
  if (!named) throw new Refused(`container ${c.name}: readiness probe port ${JSON.stringify(port)} names no port of the container`);
  return named.containerPort;
}

/** Kubernetes' `$(VAR)` expansion in command, args and env values: `$$` escapes, an unknown name stays as written. */
export function expandVars(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (whole, name: string | undefined) => {
    if (name === undefined) return '$';
    return env[name] ?? whole;
  });
}
