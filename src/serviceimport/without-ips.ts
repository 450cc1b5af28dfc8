/**
 * How many ServiceImports in each member are ours to fill and hold no
 * spec.ips right now: the ones CoreDNS in that member answers no address
 * for. Read from the caches the controller already keeps (no API call), at
 * each scrape of clusterset_dns_serviceimports_without_ips.
 *
 * It counts what the member holds, not what the controller wants: an import
 * stays counted until the write reaches the member, which is what a name
 * lookup there sees. An unreachable member's count is its last known state
 * (0 for a member never read: there is nothing known to count).
 */
import { isDeleting } from '../api/meta.js';
import type { Caches } from '../karmada/caches.js';
import { importView } from './build-snapshot.js';
import { isOurs } from './decide.js';

export function serviceImportsWithoutIps(caches: Caches): Array<[member: string, count: number]> {
  const hasTemplate = (ns: string, name: string) => caches.controlPlane.serviceImports.get(ns, name) !== undefined;
  return caches.members().map((m) => {
    let count = 0;
    for (const si of m.serviceImports.list()) {
      const view = importView(si);
      // Headless imports never get spec.ips; one being deleted, or in a namespace being deleted, is on its way out.
      if (!view || view.type !== 'ClusterSetIP' || view.deleting) continue;
      const { namespace = '', name = '' } = si.metadata;
      if (isDeleting(m.namespaces.get('', namespace))) continue;
      if (isOurs(view, hasTemplate(namespace, name)) && view.ips.length === 0) count++;
    }
    return [m.cluster, count];
  });
}
