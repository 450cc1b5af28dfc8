/**
 * The data plane's network, as a pure plan: which network namespaces, links,
 * addresses and routes the local environment makes so that pods of every
 * member share one flat pod network (what Karmada's multi-cluster Services
 * need: an importing member routes to the exporting member's pod IPs), and
 * nothing in it can reach anything outside it.
 *
 *   csdns-fabric            a bridge, `fabric0`: the members' "underlay"
 *     ├─ veth ── csdns-member1   node of member1: eth0 10.255.0.1/24, gateway 10.10.0.1/32 on lo,
 *     │                         kube-proxy's nftables rules, pod CIDR 10.10.0.0/16
 *     └─ veth ── csdns-member2   node of member2: eth0 10.255.0.2/24, gateway 10.12.0.1/32 on lo,
 *                               pod CIDR 10.12.0.0/16
 *   each node: a route to every other member's pod CIDR via that node's eth0 address;
 *   each pod (the process kubelet's): its own namespace, a veth to its node, a /32.
 *
 * There is no link to the host's own namespace, so a packet can only travel
 * between namespaces made here. The node reaches its member's API server and
 * CoreDNS on the host's loopback through relays over Unix sockets (relays.ts),
 * which cross namespaces through the file system, not the network.
 *
 * Pod CIDRs follow Karmada's kind setup (hack/util.sh in karmada-io/karmada:
 * member1 10.10.0.0/16, member2 10.12.0.0/16, member3 10.14.0.0/16), so
 * whose pod an address is shows at a glance, as with the service CIDRs.
 */

import { createHash } from 'node:crypto';

/** Every network namespace of the data plane starts with this. */
export const NETNS_PREFIX = 'csdns-';

/**
 * The prefix of one environment's namespaces: `csdns-<4 hex of its
 * directory>-`. Namespace names are global to the machine, and each start
 * and `down` removes every namespace of its prefix, so two environments
 * (two clones, or a clone's CI beside a developer's environment) must not
 * share one. Pure.
 */
export function environmentPrefix(envDir: string): string {
  return `${NETNS_PREFIX}${createHash('sha256').update(envDir).digest('hex').slice(0, 4)}-`;
}
/** The fabric's namespace for a prefix (tests of the network itself use their own prefix, beside a running environment). */
export const fabricNs = (prefix = NETNS_PREFIX) => `${prefix}fabric`;
const FABRIC_BRIDGE = 'fabric0';
const UNDERLAY_PREFIX = '10.255.0';
const UNDERLAY_BITS = 24;

/** One member's node: made by the environment before its kubelet and kube-proxy start. */
export interface NodeNetwork {
  member: string;
  /** The Node object's name. */
  nodeName: string;
  /** The node's network namespace (lo up, IP forwarding on). */
  nodeNs: string;
  podCidr: string;
  /** On the node's lo as /32: the pods' default gateway and DNS server (a DNS relay listens there on :53). */
  gateway: string;
  /** The node's address on the fabric: its Node's InternalIP, and the next hop to its pods from other nodes. */
  nodeIp: string;
}

/** The nodes for `members`, in order: the i-th member gets pod CIDR 10.(10+2i).0.0/16 and underlay address .i+1. */
export function nodeNetworks(members: readonly string[], prefix = NETNS_PREFIX): NodeNetwork[] {
  if (members.length > 20) throw new Error(`the data plane has pod CIDRs for at most 20 members, not ${members.length}`);
  return members.map((member, i) => {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(member)) throw new Error(`member name ${JSON.stringify(member)} is not a DNS label`);
    const second = 10 + 2 * i;
    return {
      member,
      nodeName: `${member}-node`,
      nodeNs: `${prefix}${member}`,
      podCidr: `10.${second}.0.0/16`,
      gateway: `10.${second}.0.1`,
      nodeIp: `${UNDERLAY_PREFIX}.${i + 1}`,
    };
  });
}

/**
 * The `ip` invocations (argument lists, without `ip`) that build the fabric
 * and the nodes from nothing. The caller removes any namespace left from an
 * earlier run first, so every command here creates something new.
 */
export function networkSetup(nodes: readonly NodeNetwork[], prefix = NETNS_PREFIX): string[][] {
  const FABRIC_NS = fabricNs(prefix);
  const cmds: string[][] = [
    ['netns', 'add', FABRIC_NS],
    ['-n', FABRIC_NS, 'link', 'add', FABRIC_BRIDGE, 'type', 'bridge'],
    ['-n', FABRIC_NS, 'link', 'set', FABRIC_BRIDGE, 'up'],
  ];
  nodes.forEach((n, i) => {
    const port = `node${i + 1}`;
    cmds.push(
      ['netns', 'add', n.nodeNs],
      ['-n', n.nodeNs, 'link', 'set', 'lo', 'up'],
      ['-n', n.nodeNs, 'addr', 'add', `${n.gateway}/32`, 'dev', 'lo'],
      // Both ends are born in their namespaces: the host's namespace never holds either.
      ['link', 'add', 'eth0', 'netns', n.nodeNs, 'type', 'veth', 'peer', 'name', port, 'netns', FABRIC_NS],
      ['-n', FABRIC_NS, 'link', 'set', port, 'master', FABRIC_BRIDGE, 'up'],
      ['-n', n.nodeNs, 'addr', 'add', `${n.nodeIp}/${UNDERLAY_BITS}`, 'dev', 'eth0'],
      ['-n', n.nodeNs, 'link', 'set', 'eth0', 'up'],
    );
    for (const other of nodes) {
      if (other !== n) cmds.push(['-n', n.nodeNs, 'route', 'add', other.podCidr, 'via', other.nodeIp, 'dev', 'eth0']);
    }
  });
  return cmds;
}

/** Kernel settings per node namespace (path under /proc/sys, value): a node routes between its pods and the fabric. */
export function nodeSysctls(): Array<[string, string]> {
  return [['net/ipv4/ip_forward', '1']];
}
