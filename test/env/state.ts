/**
 * What a running local environment records about itself (.cache/env/env.json),
 * and the admin credentials for each of its contexts.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './binaries.js';
import { kubeConfigFor, type ClusterAccess } from './kube.js';
import type { NodeNetwork } from './dataplane/topology.js';
import type { ProcessInfo } from './process.js';

export const MEMBERS = ['member1', 'member2'] as const;
export const KARMADA_CONTEXT = 'karmada-apiserver';

export interface MemberState {
  server: string;
  context: string;
  /** CoreDNS for this member, as host:port (UDP and TCP). */
  dns: string;
  serviceClusterIpRange: string;
  /** The file this member's CoreDNS reads (rewritten from the ConfigMap). */
  corefile: string;
}

export interface EnvState {
  version: 1;
  dir: string;
  kubeconfig: string;
  karmada: { server: string; context: string };
  etcd: { url: string };
  members: Record<string, MemberState>;
  /** Admin bearer tokens per context (system:masters); local use only. */
  tokens: Record<string, string>;
  caFile: string;
  processes: Record<string, ProcessInfo & { ports: Record<string, number> }>;
  versions: { kubernetes: string; karmada: string; coredns: string };
  startedAt: string;
  startupSeconds: number;
  /** karmada-controller-manager's --resync-period in seconds; null: none (CLUSTERSET_DNS_KARMADA_RESYNC=off). Absent in older state files: 30. */
  karmadaResyncSeconds?: number | null;
  /** Which MCS CRDs the members got (CLUSTERSET_DNS_MEMBER_CRDS). Absent in older state files: karmada. */
  memberCrds?: 'mcs-api' | 'karmada';
  /** The data plane's nodes, one per member (test/env/dataplane). Absent in older state files: none. */
  dataPlane?: { nodes: NodeNetwork[] };
}

export const envDir = () => process.env['CLUSTERSET_DNS_ENV_DIR'] ?? join(repoRoot, '.cache', 'env');
export const statePath = () => join(envDir(), 'env.json');

export function readState(): EnvState | undefined {
  if (!existsSync(statePath())) return undefined;
  try {
    return JSON.parse(readFileSync(statePath(), 'utf8')) as EnvState;
  } catch {
    return undefined;
  }
}

export function writeState(state: EnvState): void {
  writeFileSync(statePath(), JSON.stringify(state, null, 2) + '\n');
}

/** Credentials for one context of the environment (admin). */
export function access(state: EnvState, context: string): ClusterAccess {
  const server = context === KARMADA_CONTEXT ? state.karmada.server : state.members[context]?.server;
  const token = state.tokens[context];
  if (!server || !token) throw new Error(`no context ${context} in the local environment`);
  return { name: context, server, token, caFile: state.caFile };
}

export function kubeConfig(state: EnvState, context: string): KubeConfig {
  return kubeConfigFor(access(state, context));
}
