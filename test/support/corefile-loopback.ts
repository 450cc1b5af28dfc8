/**
 * Makes any Corefile runnable by a test CoreDNS on loopback, with byte
 * splices computed from the lossless parser (src/coredns/corefile), so
 * everything not listed here — the clusterset stanza above all — reaches
 * CoreDNS exactly as written:
 *
 *  - `{$NAME}` placeholders are expanded from `env`, as a pod's environment would;
 *  - every server key listens on a free port (53 or no port: `ports.dns`;
 *    each other port its own), and every server block gets `bind 127.0.0.1`;
 *  - `health`, `ready` and `prometheus` listen on their own free loopback port
 *    (one per occurrence, so two blocks never fight over kubeadm's :8080);
 *  - the `kubernetes` plugin gets a `kubeconfig` line (no in-cluster account);
 *  - every `forward` upstream becomes a closed loopback port: nothing leaves
 *    the machine, and names outside the cluster zones fail fast.
 *
 * The local environment's test/env/corefile-local.ts does the same for
 * kubeadm's Corefile line by line; it does not fit arbitrary Corefiles
 * (snippets, one-line blocks, CRLF with end-of-line comments, a server
 * block's `{` on the next line), hence this parser-based version for tests.
 */
import { CLOSED_UPSTREAM } from '../env/corefile-local.js';
import { directiveArgs, directiveBlock, parse, serverBlocks, type Directive, type Token } from '../../src/coredns/corefile/index.js';

export interface LoopbackPorts {
  dns: number;
  /** Free ports handed out, in order, to other server ports and to health/ready/prometheus. */
  spare: number[];
}

interface Splice {
  from: number;
  to: number;
  text: string;
}

export function loopbackCorefile(corefile: string, ports: LoopbackPorts, kubeconfig: string, env: Record<string, string> = {}): string {
  const source = corefile.replace(/\{\$(\w+)\}/g, (m, name: string) => env[name] ?? m);
  const cf = parse(source);
  const spare = [...ports.spare];
  const take = (what: string): number => {
    const p = spare.shift();
    if (p === undefined) throw new Error(`loopbackCorefile: not enough spare ports (needed one for ${what})`);
    return p;
  };
  const splices: Splice[] = [];
  const end = (t: Token) => t.offset + t.raw.length;
  const afterLine = (t: Token) => end(t) + t.trailing.length;

  const otherPorts = new Map<string, number>();
  for (const b of serverBlocks(cf)) {
    for (const k of b.keys) {
      const m = /^((?:dns:\/\/)?)([^:]*?)(?::(\d+))?(,?)$/.exec(k.value);
      if (!m) continue;
      const [, scheme, zone, port, comma] = m as unknown as [string, string, string, string | undefined, string];
      let to = ports.dns;
      if (port !== undefined && port !== '53') {
        if (!otherPorts.has(port)) otherPorts.set(port, take(`server port ${port}`));
        to = otherPorts.get(port) as number;
      }
      splices.push({ from: k.offset, to: end(k), text: `${scheme}${zone}:${to}${comma}` });
    }
    if (b.open) splices.push({ from: afterLine(b.open), to: afterLine(b.open), text: '\n    bind 127.0.0.1' });
  }

  const listen = (d: Directive, what: string) => {
    const args = directiveArgs(d);
    const last = args[args.length - 1];
    splices.push({ from: end(d.name), to: last ? end(last) : end(d.name), text: ` 127.0.0.1:${take(what)}` });
  };
  const rewrite = (body: readonly Directive[]) => {
    for (const d of body) {
      const name = d.name.value;
      if (name === 'health' || name === 'ready' || name === 'prometheus') listen(d, name);
      else if (name === 'forward') {
        const [, ...upstreams] = directiveArgs(d);
        const first = upstreams[0];
        const last = upstreams[upstreams.length - 1];
        if (first && last) splices.push({ from: first.offset, to: end(last), text: CLOSED_UPSTREAM });
      } else if (name === 'kubernetes') {
        const block = directiveBlock(d);
        const line = `kubeconfig ${kubeconfig}`;
        if (block) splices.push({ from: afterLine(block.open), to: afterLine(block.open), text: `\n        ${line}` });
        else {
          const args = directiveArgs(d);
          const last = args[args.length - 1] ?? d.name;
          splices.push({ from: end(last), to: end(last), text: ` {\n        ${line}\n    }` });
        }
      }
    }
  };
  for (const item of cf.items) if (item.kind === 'server' || item.kind === 'snippet') rewrite(item.body);

  let out = source;
  for (const s of splices.sort((a, b) => b.from - a.from)) out = out.slice(0, s.from) + s.text + out.slice(s.to);
  return out;
}
