/**
 * Pod addresses from the node's pod CIDR. Lowest free address first, from
 * `.0.2` on (the network address, the gateway and the broadcast address are
 * never handed out), so a run's addresses are predictable in logs. Pure: the
 * kubelet keeps one pool per node and releases an address when its pod goes.
 */

export function ipv4ToInt(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4) throw new Error(`not an IPv4 address: ${ip}`);
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) throw new Error(`not an IPv4 address: ${ip}`);
    n = n * 256 + Number(p);
  }
  return n;
}

function safeIpv4ToInt(ip: string): number | undefined {
  try {
    return ipv4ToInt(ip);
  } catch {
    return undefined;
  }
}

export function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

export interface Cidr {
  network: number;
  size: number;
}

export function parseCidr(cidr: string): Cidr {
  const [addr, bits] = cidr.split('/');
  const prefix = Number(bits);
  if (addr === undefined || bits === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 30) {
    throw new Error(`not an IPv4 CIDR with a prefix of at most /30: ${cidr}`);
  }
  const size = 2 ** (32 - prefix);
  const base = ipv4ToInt(addr);
  return { network: base - (base % size), size };
}

export class PodIpPool {
  private readonly cidr: Cidr;
  private readonly reserved: Set<number>;
  private readonly owners = new Map<number, string>();

  constructor(podCidr: string, gateway: string) {
    this.cidr = parseCidr(podCidr);
    const { network, size } = this.cidr;
    // .0.1 is skipped too even when the gateway is elsewhere: starting at .0.2 keeps addresses stable across configs.
    this.reserved = new Set([network, network + 1, network + size - 1, ipv4ToInt(gateway)]);
  }

  /**
   * The address held by `owner` (a pod uid), allocating on first ask:
   * `preferred` if it is in the range and free (a pod an earlier kubelet ran
   * keeps the address its status shows), else the lowest free one.
   */
  allocate(owner: string, preferred?: string): string {
    for (const [ip, o] of this.owners) if (o === owner) return intToIpv4(ip);
    const { network, size } = this.cidr;
    const wanted = preferred === undefined ? undefined : safeIpv4ToInt(preferred);
    if (wanted !== undefined && wanted > network && wanted < network + size - 1 && !this.reserved.has(wanted) && !this.owners.has(wanted)) {
      this.owners.set(wanted, owner);
      return intToIpv4(wanted);
    }
    for (let ip = network + 2; ip < network + size - 1; ip++) {
      if (this.reserved.has(ip) || this.owners.has(ip)) continue;
      this.owners.set(ip, owner);
      return intToIpv4(ip);
    }
    throw new Error(`pod CIDR ${intToIpv4(network)}/${32 - Math.log2(size)} has no free address`);
  }

  release(owner: string): void {
    for (const [ip, o] of this.owners) if (o === owner) this.owners.delete(ip);
  }

  get inUse(): number {
    return this.owners.size;
  }
}
