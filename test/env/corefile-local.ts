/**
 * The only changes the local environment makes to a member's real Corefile
 * before CoreDNS reads it. A member's `kube-system/coredns` ConfigMap holds
 * exactly what a real cluster holds; these rewrites exist only because every
 * member's CoreDNS shares one host with no pod network:
 *
 *  - server blocks on port 53 (or no port) listen on the member's own port, and
 *    `bind 127.0.0.1` keeps them on loopback;
 *  - `health`, `ready` and `prometheus` get the member's own loopback ports
 *    (kubeadm's :8080, :8181 and :9153 would clash between members);
 *  - the `kubernetes` plugin gets a `kubeconfig` line, because there is no
 *    in-cluster service-account mount — it authenticates as the
 *    kube-system:coredns service account through that file;
 *  - `forward . /etc/resolv.conf` points at a closed loopback port: tests talk
 *    to loopback only, so names outside the cluster zones fail fast;
 *  - `reload` checks every 2s instead of 30s (timing only: on a real node the
 *    kubelet's ConfigMap sync adds up to a minute on top of reload's interval).
 *
 * Everything else passes through byte for byte.
 */

export interface LocalRewrite {
  dnsPort: number;
  healthPort: number;
  readyPort: number;
  metricsPort: number;
  kubeconfig: string;
}

/** A loopback address where nothing listens: upstream queries fail at once. */
export const CLOSED_UPSTREAM = '127.0.0.1:1';

const directive = (name: string) => new RegExp(`^(\\s*)${name}(?=\\s|\\{|$)([^{\\n#]*)`, 'm');

export function rewriteCorefileForLocalHost(corefile: string, o: LocalRewrite): string {
  const lines = corefile.split('\n');
  const out: string[] = [];
  let depth = 0;
  for (const raw of lines) {
    let line = raw;
    const code = line.replace(/#.*$/, '');
    if (depth === 0 && /\{\s*$/.test(code)) {
      // A server block opener: `.:53 {`, `cluster.local:53 dns://x {`.
      line = line.replace(/^(\s*)([^{#]+?)(\s*\{)/, (_m, ws: string, keys: string, brace: string) =>
        ws + keys.split(/\s+/).map((k) => rewriteKey(k, o.dnsPort)).join(' ') + brace);
      out.push(line);
      out.push('    bind 127.0.0.1');
    } else if (depth === 1 && directive('health').test(line)) {
      out.push(line.replace(directive('health'), `$1health 127.0.0.1:${o.healthPort} `).replace(/ +(\{|$)/, ' $1').trimEnd());
    } else if (depth === 1 && directive('ready').test(line)) {
      out.push(line.replace(directive('ready'), `$1ready 127.0.0.1:${o.readyPort}`));
    } else if (depth === 1 && directive('prometheus').test(line)) {
      out.push(line.replace(directive('prometheus'), `$1prometheus 127.0.0.1:${o.metricsPort}`));
    } else if (depth === 1 && /^\s*forward\s+\S+\s+\/etc\/resolv\.conf\b/.test(line)) {
      out.push(line.replace('/etc/resolv.conf', CLOSED_UPSTREAM));
    } else if (depth === 1 && /^\s*reload\s*$/.test(code)) {
      out.push(line.replace(/reload\s*/, 'reload 2s 1s'));
    } else if (depth === 1 && directive('kubernetes').test(line)) {
      const indent = /^(\s*)/.exec(line)?.[1] ?? '';
      const inner = `${indent}   kubeconfig ${o.kubeconfig}`;
      if (/\{\s*$/.test(code)) {
        out.push(line, inner);
      } else {
        out.push(`${line.trimEnd()} {`, inner, `${indent}}`);
      }
    } else {
      out.push(line);
    }
    depth += (code.match(/\{/g) ?? []).length - (code.match(/\}/g) ?? []).length;
  }
  return out.join('\n');
}

function rewriteKey(key: string, port: number): string {
  if (key === '') return key;
  const m = /^((?:dns:\/\/)?)([^:]*)(?::(\d+))?$/.exec(key);
  if (!m) return key;
  const [, scheme, zone, p] = m;
  if (p !== undefined && p !== '53') return key;
  return `${scheme}${zone}:${port}`;
}
