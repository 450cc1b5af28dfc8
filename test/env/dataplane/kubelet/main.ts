/**
 * The process kubelet: a stand-in for the kubelet on one member of the
 * local environment, which runs that member's pods as host processes, each
 * in its own network namespace routed through the member's node namespace.
 *
 * Run as a process of the local environment:
 *   node --import tsx test/env/dataplane/kubelet/main.ts <config.json>
 * where config.json is a KubeletConfig (types.ts). SIGTERM (or SIGINT) stops
 * every pod process and removes every pod namespace, veth and
 * /etc/netns/<podNs> it made, then exits 0. Pods and the Node stay in the
 * API, as they do when a real kubelet stops.
 *
 * What it provides: a pod network namespace with its own address and
 * resolv.conf; `command` + `args` with `env` (literal values, `$(VAR)`
 * expansion, and fieldRefs metadata.name/namespace/uid, spec.nodeName,
 * status.podIP/hostIP); `workingDir` as the process's directory; several
 * containers per pod; restartPolicy; exec, tcpSocket and HTTP httpGet readiness probes;
 * pod status as a kubelet reports it; graceful deletion.
 *
 * What it does NOT provide (pods needing these are refused and reported
 * Failed where it can tell; otherwise the field is ignored):
 * - images: there are none; every container must set `command`, which runs
 *   from the host's filesystem (no filesystem isolation, no rootfs, no
 *   mount/PID/UTS/IPC/user namespaces: a process sees the host's files and
 *   processes and runs as root);
 * - volumes and volumeMounts (ignored; the service account token is not
 *   mounted), envFrom, env from ConfigMaps/Secrets/resourceFieldRef (refused);
 * - init containers (refused), sidecar containers, ephemeral containers;
 * - liveness and startup probes (ignored), HTTPS httpGet and grpc readiness
 *   probes (refused);
 * - resource requests/limits, securityContext, users, capabilities,
 *   hostNetwork/hostPort/hostPID, imagePullPolicy (all ignored);
 * - exec, attach, logs, port-forward through the API (logs are files under
 *   stateDir/pods/<namespace>_<name>_<uid8>/<container>.log);
 * - eviction, node pressure, static pods, CSI, device plugins.
 */
import * as k8s from '@kubernetes/client-node';
import { mkdirSync, readFileSync } from 'node:fs';
import { KubeletApi } from './api.js';
import { ProcessKubelet } from './kubelet.js';
import { parseKubeletConfig } from './config.js';

const log = (msg: string, extra: Record<string, unknown> = {}) =>
  console.log(JSON.stringify({ time: new Date().toISOString(), msg, ...extra }));

async function main(configPath: string): Promise<void> {
  const config = parseKubeletConfig(readFileSync(configPath, 'utf8'));
  mkdirSync(config.stateDir, { recursive: true });
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(config.kubeconfig);
  const cancel = new AbortController();
  const kubelet = new ProcessKubelet(config, new KubeletApi(kc, cancel.signal), (msg, extra) => log(msg, { node: config.network.nodeName, ...extra }));
  const stop = () => {
    kubelet.stop();
    cancel.abort();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  log('process kubelet started', { node: config.network.nodeName, nodeNs: config.network.nodeNs, podCidr: config.network.podCidr });
  await kubelet.run();
}

const configPath = process.argv[2];
if (!configPath) {
  console.error('usage: main.ts <config.json>');
  process.exit(2);
}
main(configPath).then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
