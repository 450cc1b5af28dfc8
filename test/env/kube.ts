/** Small Kubernetes helpers for setting up the local environment. */
import * as k8s from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { parseAllDocuments } from 'yaml';

export interface ClusterAccess {
  name: string;
  server: string;
  token: string;
  caFile: string;
}

export function kubeConfigFor(a: ClusterAccess): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: a.name, server: a.server, caData: Buffer.from(readFileSync(a.caFile)).toString('base64'), skipTLSVerify: false }],
    users: [{ name: a.name, token: a.token }],
    contexts: [{ name: a.name, cluster: a.name, user: a.name }],
    currentContext: a.name,
  });
  return kc;
}

/** A kubeconfig file (YAML) for several clusters, one context each. */
export function kubeConfigYaml(clusters: ClusterAccess[], current: string): string {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: clusters.map((a) => ({ name: a.name, server: a.server, caFile: a.caFile, skipTLSVerify: false })),
    users: clusters.map((a) => ({ name: a.name, token: a.token })),
    contexts: clusters.map((a) => ({ name: a.name, cluster: a.name, user: a.name })),
    currentContext: current,
  });
  return kc.exportConfig();
}

export function isApiError(e: unknown, code: number): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}

/**
 * Server-side apply of every object, in order, through `client` (default:
 * one with the context's namespace as the default). Objects go through
 * client-node's typed deserializer first: its serializer maps typed fields by
 * their TypeScript names, so a raw `x-kubernetes-int-or-string` in a CRD
 * schema would otherwise be dropped on the way out.
 */
export async function apply(
  kc: k8s.KubeConfig,
  objects: readonly k8s.KubernetesObject[],
  fieldManager = 'clusterset-dns-localenv',
  client: k8s.KubernetesObjectApi = k8s.KubernetesObjectApi.makeApiClient(kc),
): Promise<void> {
  for (const raw of objects) {
    const obj = k8s.loadYaml<k8s.KubernetesObject>(JSON.stringify(raw));
    try {
      await client.patch(obj, undefined, undefined, fieldManager, true, k8s.PatchStrategy.ServerSideApply);
    } catch (e) {
      const body = (e as { body?: unknown }).body;
      throw new Error(`applying ${raw.kind} ${raw.metadata?.namespace ? `${raw.metadata.namespace}/` : ''}${raw.metadata?.name}: ${typeof body === 'string' ? body : String(e)}`);
    }
  }
}

export function parseYamlObjects(text: string): k8s.KubernetesObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as k8s.KubernetesObject | null)
    .filter((o): o is k8s.KubernetesObject => o !== null && typeof o === 'object' && 'kind' in o);
}

/** GET a path on an API server; resolves to the parsed JSON, or undefined on 404. */
export function getJson(a: ClusterAccess, path: string): Promise<unknown> {
  return new Promise((resolveGet, reject) => {
    const req = httpsRequest(a.server + path, {
      method: 'GET',
      ca: readFileSync(a.caFile),
      headers: { Authorization: `Bearer ${a.token}`, Accept: 'application/json' },
      timeout: 5000,
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        if (res.statusCode === 404) return resolveGet(undefined);
        if ((res.statusCode ?? 500) >= 300) return reject(new Error(`GET ${path}: HTTP ${res.statusCode}: ${body.slice(0, 300)}`));
        try {
          resolveGet(body.startsWith('{') || body.startsWith('[') ? JSON.parse(body) : body);
        } catch (e) {
          reject(e);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: timeout`)));
    req.on('error', reject);
    req.end();
  });
}

export function conditionTrue(obj: unknown, type: string): boolean {
  const conds = (obj as { status?: { conditions?: Array<{ type?: string; status?: string }> } } | undefined)?.status?.conditions;
  return Array.isArray(conds) && conds.some((c) => c.type === type && c.status === 'True');
}
