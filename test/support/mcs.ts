/** The objects of Karmada's multi-cluster service flow, for tests and benchmarks. */
import type { KubernetesObject } from '@kubernetes/client-node';
import { KARMADA_POLICY_GROUP, KARMADA_POLICY_VERSION, MCS_API_VERSION, MCS_GROUP, MCS_VERSION } from '../../src/kube/gvr.js';
import { applyAll, eventually, getOrUndefined, type Clients } from './kube.js';

export const MCS = { group: MCS_GROUP, version: MCS_VERSION };

export interface ServiceImportObject {
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string>; generation?: number; resourceVersion?: string; uid?: string };
  spec: { ips?: string[]; type: string; ports: unknown[] };
  status?: { clusters?: Array<{ cluster: string }> };
}

export function propagationPolicy(namespace: string, name: string, kind: string, resource: string, clusters: string[]): KubernetesObject {
  return {
    apiVersion: `${KARMADA_POLICY_GROUP}/${KARMADA_POLICY_VERSION}`,
    kind: 'PropagationPolicy',
    metadata: { name, namespace },
    spec: {
      resourceSelectors: [{ apiVersion: MCS_API_VERSION, kind, name: resource }],
      placement: { clusterAffinity: { clusterNames: clusters } },
    },
  } as KubernetesObject;
}

/** A Service and a ready EndpointSlice in the exporting member (tests stand in for pods). */
export function memberService(namespace: string, name: string, endpointIp: string, ready = true): KubernetesObject[] {
  return [
    { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }] } } as KubernetesObject,
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-a`, namespace, labels: { 'kubernetes.io/service-name': name, 'endpointslice.kubernetes.io/managed-by': 'clusterset-dns-tests' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [endpointIp], conditions: { ready } }],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    } as KubernetesObject,
  ];
}

export const serviceExport = (namespace: string, name: string, clusters: string[]): KubernetesObject[] => [
  { apiVersion: MCS_API_VERSION, kind: 'ServiceExport', metadata: { name, namespace } } as KubernetesObject,
  propagationPolicy(namespace, `${name}-export`, 'ServiceExport', name, clusters),
];

export const serviceImport = (namespace: string, name: string, clusters: string[], ports = [{ name: 'http', port: 80, protocol: 'TCP' }]): KubernetesObject[] => [
  { apiVersion: MCS_API_VERSION, kind: 'ServiceImport', metadata: { name, namespace }, spec: { type: 'ClusterSetIP', ports } } as KubernetesObject,
  propagationPolicy(namespace, `${name}-import`, 'ServiceImport', name, clusters),
];

export function getServiceImport(c: Clients, namespace: string, name: string): Promise<ServiceImportObject> {
  return c.custom.getNamespacedCustomObject({ ...MCS, namespace, plural: 'serviceimports', name }) as Promise<ServiceImportObject>;
}

export async function exportFrom(karmada: Clients, member: Clients, member_: string, namespace: string, name: string, endpointIp: string): Promise<void> {
  await applyAll(member, memberService(namespace, name, endpointIp));
  await applyAll(karmada, serviceExport(namespace, name, [member_]));
}

/** The ClusterIP of `derived-<name>` in a member, once Karmada has propagated it. */
export async function derivedIp(member: Clients, namespace: string, name: string, timeoutMs = 60_000): Promise<string> {
  const svc = await eventually(`derived-${name} in the member`, () => getOrUndefined(() => member.core.readNamespacedService({ name: `derived-${name}`, namespace })), timeoutMs);
  return svc.spec?.clusterIP ?? '';
}

/**
 * Deletes `derived-<name>` in a member and waits for Karmada to create it
 * again: another object (uid) with another ClusterIP. Resolves to that
 * ClusterIP; rejects when it has not come back within `timeoutMs`.
 */
export async function recreateDerived(member: Clients, namespace: string, name: string, timeoutMs: number): Promise<string> {
  const read = () => getOrUndefined(() => member.core.readNamespacedService({ namespace, name: `derived-${name}` }));
  const before = await read();
  if (before === undefined) throw new Error(`no derived-${name} in the member to delete`);
  await member.core.deleteNamespacedService({ namespace, name: `derived-${name}` });
  return eventually(`Karmada to re-create derived-${name} with another ClusterIP`, async () => {
    const now = await read();
    const ip = now?.spec?.clusterIP;
    return now && now.metadata?.uid !== before.metadata?.uid && ip && ip !== before.spec?.clusterIP ? ip : undefined;
  }, timeoutMs, 500);
}

/** A member ServiceImport's spec.ips (undefined when absent). */
export async function ipsIn(member: Clients, namespace: string, name: string): Promise<string[] | undefined> {
  return (await getOrUndefined(() => getServiceImport(member, namespace, name)))?.spec.ips;
}

/** True when a member ServiceImport's spec.ips is exactly the ClusterIP its `derived-<name>` has now. */
export async function holdsDerivedIp(member: Clients, namespace: string, name: string): Promise<boolean> {
  const ip = (await getOrUndefined(() => member.core.readNamespacedService({ name: `derived-${name}`, namespace })))?.spec?.clusterIP;
  return ip !== undefined && ip !== '' && JSON.stringify(await ipsIn(member, namespace, name)) === JSON.stringify([ip]);
}

/** Waits until every one of `names` holds its member's current derived ClusterIP; fails naming those that do not, and what each has. */
export async function waitDerivedIps(member: Clients, what: string, namespace: string, names: string[], timeoutMs: number): Promise<void> {
  let behind: string[] = [];
  await eventually(`spec.ips in ${what} to be the derived ClusterIPs`, async () => {
    const ok = await Promise.all(names.map((n) => holdsDerivedIp(member, namespace, n)));
    behind = names.filter((_, i) => !ok[i]);
    return behind.length === 0 ? true : undefined;
  }, timeoutMs, 500).catch(async (e: unknown) => {
    // Whose delay it is: Karmada's (no import or derived Service yet) or ours (both there, spec.ips not).
    const states = await Promise.all(behind.map(async (n) => {
      const ip = (await getOrUndefined(() => member.core.readNamespacedService({ name: `derived-${n}`, namespace })))?.spec?.clusterIP;
      const si = await getOrUndefined(() => getServiceImport(member, namespace, n));
      return `${n} (derived ${ip ?? 'missing'}, import ${si === undefined ? 'missing' : `spec.ips ${JSON.stringify(si.spec.ips ?? [])}`})`;
    }));
    throw new Error(`${e instanceof Error ? e.message : String(e)}; not yet: ${states.join(', ')}`);
  });
}

/** Waits until Karmada has delivered every one of `names` to a member: its ServiceImport and its derived Service with a ClusterIP. */
export async function waitDelivered(member: Clients, what: string, namespace: string, names: string[], timeoutMs: number): Promise<void> {
  await eventually(`Karmada to deliver ${names.join(', ')} to ${what}`, async () => {
    const there = await Promise.all(names.map(async (n) =>
      (await getOrUndefined(() => getServiceImport(member, namespace, n))) !== undefined &&
      Boolean((await getOrUndefined(() => member.core.readNamespacedService({ name: `derived-${n}`, namespace })))?.spec?.clusterIP)));
    return there.every(Boolean) ? true : undefined;
  }, timeoutMs, 500);
}

/** spec.ips of every ServiceImport in one namespace of a member, by name (those without spec.ips included, as undefined). */
export async function ipsByImport(member: Clients, namespace: string): Promise<Record<string, string[] | undefined>> {
  const list = await member.custom.listNamespacedCustomObject({ ...MCS, namespace, plural: 'serviceimports' }) as { items: Array<{ metadata: { name: string }; spec?: { ips?: string[] } }> };
  return Object.fromEntries(list.items.map((si) => [si.metadata.name, si.spec?.ips]));
}

/** Throws, naming each, when any import in `before` (name → spec.ips, as ipsByImport gives them) no longer holds the same spec.ips in the member. */
export async function assertIpsKept(member: Clients, namespace: string, before: Record<string, string[] | undefined>): Promise<void> {
  const now = await ipsByImport(member, namespace);
  const changed = Object.entries(before).filter(([svc, ips]) => JSON.stringify(now[svc]) !== JSON.stringify(ips));
  if (changed.length > 0) throw new Error(`spec.ips changed: ${changed.map(([svc, ips]) => `${svc} ${JSON.stringify(ips)} -> ${JSON.stringify(now[svc])}`).join(', ')}`);
}
