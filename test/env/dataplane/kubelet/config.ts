/** The process kubelet's config file (a KubeletConfig as JSON), checked before anything starts. */
import type { KubeletConfig } from './types.js';

/** Reads and checks the config, naming the first missing field. */
export function parseKubeletConfig(text: string): KubeletConfig {
  const c = JSON.parse(text) as Partial<KubeletConfig>;
  const n = (c.network ?? {}) as Partial<KubeletConfig['network']>;
  const fields: [string, unknown][] = [
    ['kubeconfig', c.kubeconfig], ['stateDir', c.stateDir], ['clusterDomain', c.clusterDomain],
    ['network.member', n.member], ['network.nodeName', n.nodeName], ['network.nodeNs', n.nodeNs],
    ['network.podCidr', n.podCidr], ['network.gateway', n.gateway], ['network.nodeIp', n.nodeIp],
  ];
  for (const [name, value] of fields) {
    if (typeof value !== 'string' || value === '') throw new Error(`config: ${name} must be a non-empty string`);
  }
  return c as KubeletConfig;
}
