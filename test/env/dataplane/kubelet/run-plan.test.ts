import type * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { expandVars, graceMs, podRunPlan, REFUSAL_REASON } from './run-plan.js';
import type { NodeNetwork } from './types.js';

const network: NodeNetwork = { member: 'member1', nodeName: 'member1-node', nodeNs: 'csdns-member1', podCidr: '10.10.0.0/16', gateway: '10.10.0.1', nodeIp: '10.255.0.1' };
const UID = 'ABCDEF12-3456-7890-abcd-ef1234567890';
const NS = 'csdns-member1-abcdef12';

function pod(containers: k8s.V1Container[], spec: Partial<k8s.V1PodSpec> = {}): k8s.V1Pod {
  return { metadata: { name: 'web-0', namespace: 'demo', uid: UID }, spec: { nodeName: 'member1-node', containers, ...spec } };
}

describe('process kubelet: run plan', () => {
  it('wraps command and args in ip netns exec, with the pod fields and $(VAR) expanded', () => {
    const result = podRunPlan(pod([{
      name: 'web',
      image: 'registry.k8s.io/e2e-test-images/agnhost:2.53',
      command: ['socat'],
      args: ['TCP-LISTEN:8080,bind=$(POD_IP),fork', 'SYSTEM:echo $(POD_NAME) $(NOPE) $$(POD_IP)'],
      env: [
        { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'WHERE', value: '$(POD_NAME).$(NS)' },
        { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      ],
    }]), network, '10.10.0.2', { PATH: '/bin' });
    expect(result.ok).to.equal(true);
    if (!result.ok) return;
    expect(result.plan.podNs).to.equal(NS);
    expect(result.plan.restartPolicy).to.equal('Always');
    const [c] = result.plan.containers;
    expect(c?.argv).to.deep.equal(['ip', 'netns', 'exec', NS, 'socat', 'TCP-LISTEN:8080,bind=10.10.0.2,fork', 'SYSTEM:echo web-0 $(NOPE) $(POD_IP)']);
    // NS is defined after WHERE, so WHERE keeps $(NS) as written, as Kubernetes does.
    expect(c?.env).to.deep.equal({ PATH: '/bin', HOSTNAME: 'web-0', POD_IP: '10.10.0.2', POD_NAME: 'web-0', WHERE: 'web-0.$(NS)', NS: 'demo', NODE: 'member1-node' });
    expect(c?.image).to.equal('registry.k8s.io/e2e-test-images/agnhost:2.53');
    expect(c?.readiness).to.equal(undefined);
  });

  it('plans exec and tcpSocket readiness probes in the pod namespace, with the defaults Kubernetes has', () => {
    const result = podRunPlan(pod([
      { name: 'a', command: ['sleep', 'inf'], readinessProbe: { exec: { command: ['test', '-e', '/tmp/ready'] }, periodSeconds: 1 } },
      { name: 'b', command: ['sleep', 'inf'], ports: [{ name: 'http', containerPort: 8080 }], readinessProbe: { tcpSocket: { port: 'http' }, timeoutSeconds: 2, initialDelaySeconds: 3, failureThreshold: 1 } },
      { name: 'c', command: ['sleep', 'inf'], readinessProbe: { tcpSocket: { port: 53, host: '10.10.0.1' } } },
    ], { restartPolicy: 'Never' }), network, '10.10.0.9', {});
    if (!result.ok) throw new Error(result.refusal.message);
    expect(result.plan.restartPolicy).to.equal('Never');
    expect(result.plan.containers.map((c) => c.readiness)).to.deep.equal([
      { argv: ['ip', 'netns', 'exec', NS, 'test', '-e', '/tmp/ready'], initialDelayMs: 0, periodMs: 1000, timeoutMs: 1000, successThreshold: 1, failureThreshold: 3 },
      { argv: ['ip', 'netns', 'exec', NS, 'nc', '-z', '-w', '2', '10.10.0.9', '8080'], initialDelayMs: 3000, periodMs: 10000, timeoutMs: 2000, successThreshold: 1, failureThreshold: 1 },
      { argv: ['ip', 'netns', 'exec', NS, 'nc', '-z', '-w', '1', '10.10.0.1', '53'], initialDelayMs: 0, periodMs: 10000, timeoutMs: 1000, successThreshold: 1, failureThreshold: 3 },
    ]);
  });

  it('plans an httpGet probe as one GET from the pod namespace, the request passed as data, never as script', () => {
    const result = podRunPlan(pod([
      { name: 'web', command: ['sleep', 'inf'], ports: [{ name: 'http', containerPort: 8080 }], readinessProbe: { httpGet: { path: "/ready?x='1'", port: 'http', httpHeaders: [{ name: 'X-Probe', value: 'yes' }] }, periodSeconds: 1 } },
    ]), network, '10.10.0.9', {});
    if (!result.ok) throw new Error(result.refusal.message);
    const argv = result.plan.containers[0]?.readiness?.argv ?? [];
    expect(argv.slice(0, 6)).to.deep.equal(['ip', 'netns', 'exec', NS, 'sh', '-c']);
    expect(argv[6], 'the script names no request data').to.not.include('ready');
    expect(argv.slice(7)).to.deep.equal(['http-probe', "GET /ready?x='1' HTTP/1.0\r\nHost: 10.10.0.9:8080\r\nX-Probe: yes\r\n\r\n", '1', '10.10.0.9', '8080']);
  });

  const refusals: { name: string; pod: k8s.V1Pod; message: RegExp }[] = [
    { name: 'a container without command', pod: pod([{ name: 'web', image: 'nginx' }]), message: /container web has no command: .*no images/ },
    { name: 'an unsupported fieldRef', pod: pod([{ name: 'web', command: ['true'], env: [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'metadata.labels' } } }] }]), message: /env X: only fieldRef to .*status\.podIP/ },
    { name: 'a secret ref', pod: pod([{ name: 'web', command: ['true'], env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] }]), message: /env X/ },
    { name: 'envFrom', pod: pod([{ name: 'web', command: ['true'], envFrom: [{ configMapRef: { name: 'c' } }] }]), message: /envFrom/ },
    { name: 'init containers', pod: pod([{ name: 'web', command: ['true'] }], { initContainers: [{ name: 'i', command: ['true'] }] }), message: /init containers/ },
    { name: 'an HTTPS httpGet probe', pod: pod([{ name: 'web', command: ['true'], readinessProbe: { httpGet: { port: 443, scheme: 'HTTPS' } } }]), message: /over HTTPS are not supported/ },
    { name: 'a grpc probe', pod: pod([{ name: 'web', command: ['true'], readinessProbe: { grpc: { port: 9000 } } }]), message: /only exec, tcpSocket and HTTP httpGet/ },
    { name: 'a probe on an unknown named port', pod: pod([{ name: 'web', command: ['true'], readinessProbe: { tcpSocket: { port: 'dns' } } }]), message: /"dns" names no port/ },
  ];
  for (const r of refusals) {
    it(`refuses ${r.name}, saying why`, () => {
      const result = podRunPlan(r.pod, network, '10.10.0.2', {});
      expect(result.ok).to.equal(false);
      if (result.ok) return;
      expect(result.refusal.reason).to.equal(REFUSAL_REASON);
      expect(result.refusal.message).to.match(r.message);
    });
  }

  it('caps the termination grace period', () => {
    expect(graceMs(pod([], { terminationGracePeriodSeconds: 1 }))).to.equal(1000);
    expect(graceMs(pod([], { terminationGracePeriodSeconds: 0 }))).to.equal(0);
    expect(graceMs(pod([]))).to.equal(5000);
  });

  it('expands $(VAR) as Kubernetes does', () => {
    const env = { A: 'x' };
    const cases: [string, string][] = [['$(A)', 'x'], ['$$(A)', '$(A)'], ['$(B)', '$(B)'], ['a$(A)b$(A)', 'axbx'], ['$A', '$A'], ['$$', '$']];
    for (const [input, want] of cases) expect(expandVars(input, env), input).to.equal(want);
  });
});
