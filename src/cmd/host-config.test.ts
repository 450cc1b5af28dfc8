/**
 * config/host's Deployment must give the probe and metrics servers addresses
 * kubelet and Prometheus can reach: run's defaults are loopback only, which
 * a pod's probes (sent to the pod IP) would find closed, restarting it for
 * ever.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { kustomizeResources } from '../../test/env/controller.js';
import { parseBindAddress } from '../runtime/health.js';
import { parseRunArgs } from './run.js';

interface Container {
  args: string[];
  ports: Array<{ name: string; containerPort: number }>;
  livenessProbe: { httpGet: { port: string } };
  readinessProbe: { httpGet: { port: string } };
}

const deployment = kustomizeResources(join(import.meta.dirname, '..', '..', 'config', 'host')).find((o) => o.kind === 'Deployment') as unknown as {
  spec: { template: { spec: { containers: Container[] } } };
};
const controller = deployment.spec.template.spec.containers[0]!;

describe('config/host', () => {
  const parsed = parseRunArgs(controller.args.slice(1), {});
  if ('help' in parsed) throw new Error('the Deployment asks run for help');
  const port = (name: string) => controller.ports.find((p) => p.name === name)?.containerPort;

  const served: Array<[flag: string, portName: string]> = [['health-probe-bind-address', 'probes'], ['metrics-bind-address', 'metrics']];
  for (const [flag, portName] of served) {
    it(`--${flag} listens on every interface of the pod, on the port named ${portName}`, () => {
      const bind = parseBindAddress(String(parsed.flags[flag]));
      expect(bind, `--${flag} is off`).to.not.equal(undefined);
      expect(bind?.host, 'a host would leave the pod IP unserved').to.equal(undefined);
      expect(bind?.port).to.equal(port(portName));
    });
  }

  it('probes kubelet on that port', () => {
    expect(controller.args[0]).to.equal('run');
    expect([controller.livenessProbe.httpGet.port, controller.readinessProbe.httpGet.port]).to.deep.equal(['probes', 'probes']);
  });
});
