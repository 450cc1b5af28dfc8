/**
 * Pods on the data plane, for the tests and the demo: templates the process
 * kubelet can run (a command from the machine's binaries, no image is
 * pulled), and a way to run a client command inside a running pod's network
 * namespace, as `kubectl exec` would put it there (the process kubelet
 * serves no exec).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type * as k8s from '@kubernetes/client-node';
import type { EnvState } from '../state.js';
import { podNetworkNames } from './kubelet/pod-network.js';
import { SCHEDULER_NAME } from './kubelet/types.js';

const run = promisify(execFile);

/** The scheduler name the process kubelet binds pods for (no real scheduler runs). */
export const PROCESS_SCHEDULER = SCHEDULER_NAME;

/**
 * An HTTP server on :8080 that answers every request with the name of the
 * pod that served it (what agnhost's serve-hostname does), from socat and a
 * shell. With `readyFile`, the pod is ready only while that file exists.
 */
export function hostnameServerPod(labels: Record<string, string>, readyFile?: string): k8s.V1PodTemplateSpec {
  return {
    metadata: { labels },
    spec: {
      schedulerName: PROCESS_SCHEDULER,
      terminationGracePeriodSeconds: 1,
      containers: [{
        name: 'web',
        image: 'process-kubelet/socat',
        // socat reads backslashes in an address itself, so the answer is built with echo (HTTP/1.0
        // clients accept bare LF). -t 5: once the client has sent its request, wait up to 5 s (not
        // socat's 0.5 s) for the answer, which a shell forked on a loaded machine can take.
        command: ['socat', '-t', '5', 'TCP4-LISTEN:8080,fork,reuseaddr', 'SYSTEM:echo HTTP/1.0 200 OK; echo; echo $POD_NAME'],
        env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
        ports: [{ name: 'http', containerPort: 8080 }],
        readinessProbe: readyFile
          ? { exec: { command: ['test', '-f', readyFile] }, periodSeconds: 1 }
          : { tcpSocket: { port: 8080 }, periodSeconds: 1 },
      }],
    },
  };
}

/** A pod that only sits there, for tests to run client commands in its network namespace. */
export function clientPod(namespace: string, name: string): k8s.V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace },
    spec: {
      schedulerName: PROCESS_SCHEDULER,
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'client', image: 'process-kubelet/sleep', command: ['sleep', 'infinity'] }],
    },
  };
}

/** Runs `argv` in the pod's network namespace with its resolv.conf; stdout, or the error with stderr. */
export async function inPod(env: EnvState, member: string, pod: k8s.V1Pod, argv: string[], timeoutMs = 10_000): Promise<string> {
  const node = env.dataPlane?.nodes.find((n) => n.member === member);
  if (!node) throw new Error(`the environment has no data plane node for ${member} (started before the data plane existed? npm run env:down && npm run env:up)`);
  const uid = pod.metadata?.uid;
  if (!uid) throw new Error(`pod ${pod.metadata?.name} has no uid yet`);
  const [bin, ...args] = argv;
  if (!bin) throw new Error('no command');
  try {
    return (await run('ip', ['netns', 'exec', podNetworkNames(node, uid).podNs, bin, ...args], { timeout: timeoutMs })).stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`in pod ${pod.metadata?.namespace}/${pod.metadata?.name} (${member}): ${argv.join(' ')}: ${(err.stderr ?? '').trim() || err.message}`);
  }
}

/** Waits until pod `namespace/name` runs with an IP (read through `core`, its member's client); returns it. */
export async function runningPod(core: k8s.CoreV1Api, namespace: string, name: string, timeoutMs = 60_000): Promise<k8s.V1Pod> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = await core.readNamespacedPod({ namespace, name }).catch(() => undefined);
    if (p?.status?.phase === 'Running' && p.status.podIP) return p;
    if (Date.now() > deadline) throw new Error(`pod ${namespace}/${name} not running within ${timeoutMs / 1000} s (phase ${p?.status?.phase ?? 'unknown'}: ${p?.status?.message ?? ''})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * One HTTP GET through the pod's resolver and network; the body's first
 * line (the serving pod's name). `-t 5`: after sending the request socat
 * waits up to 5 s for the answer (its default, 0.5 s, loses answers on a
 * loaded machine); `-T 5` ends a connection silent for 5 s.
 */
export async function httpGetFromPod(env: EnvState, member: string, pod: k8s.V1Pod, host: string, port = 80): Promise<string> {
  const out = await inPod(env, member, pod, ['sh', '-c', `printf 'GET / HTTP/1.0\\r\\nHost: ${host}\\r\\n\\r\\n' | socat -t 5 -T 5 - TCP4:${host}:${port}`]);
  const body = out.split(/\r?\n\r?\n/)[1] ?? '';
  return body.trim().split('\n')[0] ?? '';
}
