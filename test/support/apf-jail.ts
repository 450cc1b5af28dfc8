/**
 * A priority level in one member's API server that answers the controller's
 * writes there with 429 (API Priority and Fairness), for the fault suite.
 *
 * Why it takes more than a priority level with `limitResponse: Reject`: APF
 * lets a request into a level whenever nothing is executing there, even one
 * that needs more seats than the level has (k8s.io/apiserver's queueset,
 * canAccommodateSeatsLocked). So a level with no seats at all
 * (nominalConcurrencyShares 0, nothing lent or borrowed) still lets a lone
 * request through each time it is idle, and a controller sending one patch
 * at a time would rarely meet a 429. The level is therefore kept busy: a
 * second FlowSchema puts a filler user into the same level, and one request
 * of that user (a dry-run ConfigMap create) is held in admission by two
 * mutating webhooks that never answer, called one after the other for 30 s
 * each (the longest a webhook may take), until the API server's 60 s request
 * timeout ends it. While it is held, every other request in the level is
 * refused at once with 429, as an overloaded member refuses a client.
 *
 * Only the controller's writes are put there (create, update, patch, delete
 * of serviceimports as its ServiceAccount, the user the cluster proxy
 * impersonates in a member: docs/security.md), so its lists and watches of
 * the member go on as before. The admin is in system:masters, which APF
 * exempts, so the test's own requests are never refused.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { getJson, type ClusterAccess } from '../env/kube.js';
import { applyAll, eventually, type Clients } from './kube.js';
import { startTlsServer } from './tls-server.js';

/** The controller's identity in a member, as the cluster proxy impersonates it. */
export const CONTROLLER_SERVICE_ACCOUNT = { namespace: 'karmada-system', name: 'clusterset-dns' };
/** The jail lets its filler request go after about this long (the API server's request timeout): lift it before. */
export const JAIL_HOLDS_MS = 60_000;

const NAME = 'clusterset-dns-tests-apf-jail';
const FILLER_USER = 'clusterset-dns-tests:apf-filler';
const FILLER_LABEL = 'clusterset-dns-tests/apf-filler';
/** Consulted before every FlowSchema Kubernetes suggests but `exempt` (1, system:masters) and `probes` (2, health paths). */
const PRECEDENCE = 10;
const FLOWCONTROL = 'flowcontrol.apiserver.k8s.io/v1';

/** What the jail adds to the member, in the order it is applied (deleted in reverse). */
export function apfJailObjects(namespace: string, webhookUrl: string, caPem: string): KubernetesObject[] {
  const flowSchema = (name: string, subject: object, resourceRule: object) => ({
    apiVersion: FLOWCONTROL,
    kind: 'FlowSchema',
    metadata: { name },
    spec: { priorityLevelConfiguration: { name: NAME }, matchingPrecedence: PRECEDENCE, distinguisherMethod: { type: 'ByUser' }, rules: [{ subjects: [subject], resourceRules: [resourceRule] }] },
  });
  const hold = (n: number) => ({
    name: `hold-${n}.apf-jail.clusterset-dns.test`,
    clientConfig: { url: `${webhookUrl}/hold-${n}`, caBundle: Buffer.from(caPem).toString('base64') },
    rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'], scope: 'Namespaced' }],
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
    objectSelector: { matchLabels: { [FILLER_LABEL]: 'true' } },
    sideEffects: 'None',
    admissionReviewVersions: ['v1'],
    failurePolicy: 'Ignore',
    timeoutSeconds: 30,
  });
  return [
    {
      apiVersion: FLOWCONTROL,
      kind: 'PriorityLevelConfiguration',
      metadata: { name: NAME },
      spec: { type: 'Limited', limited: { nominalConcurrencyShares: 0, lendablePercent: 0, borrowingLimitPercent: 0, limitResponse: { type: 'Reject' } } },
    },
    // The filler reaches admission only if it may create ConfigMaps there (authorization comes first).
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: NAME, namespace },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['create'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: NAME, namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: NAME },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: FILLER_USER }],
    },
    { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: NAME }, webhooks: [hold(1), hold(2)] },
    flowSchema(`${NAME}-filler`, { kind: 'User', user: { name: FILLER_USER } },
      { verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'], clusterScope: true }),
    flowSchema(`${NAME}-controller-writes`, { kind: 'ServiceAccount', serviceAccount: CONTROLLER_SERVICE_ACCOUNT },
      { verbs: ['create', 'update', 'patch', 'delete'], apiGroups: ['multicluster.x-k8s.io'], resources: ['serviceimports'], namespaces: ['*'] }),
  ] as KubernetesObject[];
}

export interface ApfJail {
  /**
   * Holds the filler request and resolves to Date.now() once a request in
   * the level is refused with 429. The jail opens by itself JAIL_HOLDS_MS
   * after that at the latest.
   */
  shut(): Promise<number>;
  /** Deletes what the jail added (the controller's FlowSchema first) and lets the held request go. Safe to call more than once. */
  lift(): Promise<void>;
}

/** Applies the jail to `member` (`admin`: the same API server's admin access) and waits until APF has taken it in; not shut yet. */
export async function installApfJail(member: Clients, admin: ClusterAccess, namespace: string): Promise<ApfJail> {
  const webhook = await startTlsServer();
  let onReview: (() => void) | undefined;
  // Never answered: the filler's admission waits out each webhook's timeout.
  webhook.answer = () => onReview?.();
  const objects = apfJailObjects(namespace, webhook.url, webhook.cert);
  let lifted = false;
  const lift = async () => {
    if (lifted) return;
    lifted = true;
    for (const o of [...objects].reverse()) await member.objects.delete(o).catch(() => undefined);
    await webhook.close();
  };
  try {
    await applyAll(member, objects);
    // APF marks a FlowSchema Dangling=False once its configuration holds the schema and its priority level.
    await eventually('the member\'s APF configuration to take in the jail', async () => {
      const schemas = await Promise.all(objects.filter((o) => o.kind === 'FlowSchema').map((o) => getJson(admin, `/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas/${o.metadata?.name}`)));
      return schemas.every((s) => dangling(s) === 'False') ? true : undefined;
    }, 30_000, 250);
  } catch (e) {
    await lift();
    throw e;
  }
  const fillerBody = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'apf-filler-', namespace, labels: { [FILLER_LABEL]: 'true' } } };
  return {
    async shut() {
      await eventually('the filler request held in admission', async () => {
        const reviewed = new Promise<boolean>((r) => (onReview = () => r(true)));
        const filler = asUser(admin, FILLER_USER, 'POST', `/api/v1/namespaces/${namespace}/configmaps?dryRun=All`, fillerBody);
        filler.catch(() => undefined);
        // Until the API server has the webhook configuration, the dry run comes straight back: send another.
        return (await Promise.race([reviewed, filler.then(() => false, () => false)])) ? true : undefined;
      }, 30_000, 250);
      await eventually('a request in the jail\'s priority level refused with 429', async () =>
        ((await asUser(admin, FILLER_USER, 'GET', `/api/v1/namespaces/${namespace}/configmaps?limit=1`)) === 429 ? true : undefined), 10_000, 250);
      return Date.now();
    },
    lift,
  };
}

function dangling(flowSchema: unknown): string | undefined {
  const conds = (flowSchema as { status?: { conditions?: Array<{ type?: string; status?: string }> } } | undefined)?.status?.conditions;
  return conds?.find((c) => c.type === 'Dangling')?.status;
}

/** One request to the API server as its admin impersonating `user`; resolves to the HTTP status. */
function asUser(a: ClusterAccess, user: string, method: 'GET' | 'POST', path: string, body?: object): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(a.server + path, {
      method,
      ca: readFileSync(a.caFile),
      headers: { Authorization: `Bearer ${a.token}`, 'Impersonate-User': user, Accept: 'application/json', ...(body ? { 'Content-Type': 'application/json' } : {}) },
      // Longer than the API server's own 60 s request timeout: when a held request ends is the server's to say.
      timeout: JAIL_HOLDS_MS + 30_000,
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} as ${user}: no answer`)));
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}
