import { expect } from 'chai';
import { intToIpv4, ipv4ToInt, parseCidr, PodIpPool } from './ip-pool.js';

describe('process kubelet: pod IP pool', () => {
  it('converts addresses both ways', () => {
    for (const ip of ['0.0.0.0', '10.10.0.2', '255.255.255.255', '192.168.1.254']) expect(intToIpv4(ipv4ToInt(ip))).to.equal(ip);
  });

  it('rejects what is not an IPv4 CIDR', () => {
    for (const bad of ['10.0.0.0', '10.0.0/24', '10.0.0.256/24', '10.0.0.0/31', 'x/8']) expect(() => parseCidr(bad), bad).to.throw();
  });

  const cases: { name: string; cidr: string; gateway: string; want: string[] }[] = [
    { name: 'starts at .0.2 and counts up', cidr: '10.10.0.0/16', gateway: '10.10.0.1', want: ['10.10.0.2', '10.10.0.3', '10.10.0.4'] },
    { name: 'skips a gateway inside the range', cidr: '10.10.0.0/29', gateway: '10.10.0.3', want: ['10.10.0.2', '10.10.0.4', '10.10.0.5'] },
    { name: 'normalizes a CIDR written with host bits', cidr: '10.10.7.9/24', gateway: '10.10.7.1', want: ['10.10.7.2', '10.10.7.3'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const pool = new PodIpPool(c.cidr, c.gateway);
      expect(c.want.map((_, i) => pool.allocate(`pod-${i}`))).to.deep.equal(c.want);
    });
  }

  it('gives an owner the same address twice and reuses a released one', () => {
    const pool = new PodIpPool('10.10.0.0/16', '10.10.0.1');
    expect(pool.allocate('a')).to.equal('10.10.0.2');
    expect(pool.allocate('b')).to.equal('10.10.0.3');
    expect(pool.allocate('a')).to.equal('10.10.0.2');
    pool.release('a');
    expect(pool.inUse).to.equal(1);
    expect(pool.allocate('c')).to.equal('10.10.0.2');
  });

  it('gives a preferred address when it is in range and free, else the lowest free one', () => {
    const pool = new PodIpPool('10.10.0.0/24', '10.10.0.1');
    expect(pool.allocate('a', '10.10.0.7')).to.equal('10.10.0.7');
    const table: [string, string][] = [
      ['10.10.0.7', '10.10.0.2'], // taken by a
      ['10.10.0.1', '10.10.0.3'], // the gateway
      ['10.10.0.255', '10.10.0.4'], // broadcast
      ['10.10.0.0', '10.10.0.5'], // network
      ['10.11.0.9', '10.10.0.6'], // another range
      ['not-an-ip', '10.10.0.8'],
      ['10.10.0.200', '10.10.0.200'],
    ];
    table.forEach(([preferred, want], i) => expect(pool.allocate(`p${i}`, preferred), preferred).to.equal(want));
  });

  it('never hands out the broadcast address, and says when it is full', () => {
    const pool = new PodIpPool('10.10.0.0/30', '10.10.0.1');
    expect(pool.allocate('a')).to.equal('10.10.0.2');
    expect(() => pool.allocate('b')).to.throw(/no free address/);
  });
});
