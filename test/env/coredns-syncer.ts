/**
 * Plays the kubelet's part for CoreDNS's ConfigMap volume: copies each
 * member's `kube-system/coredns` ConfigMap key `Corefile` to the file that
 * member's CoreDNS reads, after the local-host rewrites in corefile-local.ts.
 * The kubelet syncs ConfigMap volumes periodically and swaps the file
 * atomically; this polls every second and renames into place, so CoreDNS's
 * `reload` plugin sees either the old or the new file, never half of one.
 *
 * Run as a process of the local environment: `tsx coredns-syncer.ts <config.json>`.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { rewriteCorefileForLocalHost, type LocalRewrite } from './corefile-local.js';
import { getJson, type ClusterAccess } from './kube.js';

export interface SyncerMember {
  access: ClusterAccess;
  corefilePath: string;
  rewrite: LocalRewrite;
}

export interface SyncerConfig {
  members: SyncerMember[];
}

const log = (msg: string, extra: Record<string, unknown> = {}) =>
  console.log(JSON.stringify({ time: new Date().toISOString(), msg, ...extra }));

/** Reads the ConfigMap and writes the Corefile if it changed; returns the text written (or kept). */
async function syncOnce(m: SyncerMember, last: string | undefined): Promise<string | undefined> {
  const cm = (await getJson(m.access, '/api/v1/namespaces/kube-system/configmaps/coredns')) as
    | { data?: Record<string, string> }
    | undefined;
  const source = cm?.data?.['Corefile'];
  if (source === undefined) {
    if (last !== undefined) log('ConfigMap kube-system/coredns or its Corefile key is gone; keeping the last file', { cluster: m.access.name });
    return last;
  }
  const rendered = rewriteCorefileForLocalHost(source, m.rewrite);
  if (rendered === last) return last;
  const tmp = `${m.corefilePath}.tmp`;
  writeFileSync(tmp, rendered);
  renameSync(tmp, m.corefilePath);
  log('wrote Corefile', { cluster: m.access.name, path: m.corefilePath, bytes: rendered.length });
  return rendered;
}

async function main(configPath: string): Promise<void> {
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as SyncerConfig;
  const last = new Map<string, string | undefined>();
  let stopping = false;
  const stop = () => {
    stopping = true;
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  log('coredns-syncer started', { members: config.members.map((m) => m.access.name) });
  while (!stopping) {
    for (const m of config.members) {
      try {
        last.set(m.access.name, await syncOnce(m, last.get(m.access.name)));
      } catch (e) {
        log('sync failed; retrying', { cluster: m.access.name, error: e instanceof Error ? e.message : String(e) });
      }
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  log('coredns-syncer stopped');
}

const configPath = process.argv[2];
if (!configPath) {
  console.error('usage: coredns-syncer.ts <config.json>');
  process.exit(2);
}
main(configPath).catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
