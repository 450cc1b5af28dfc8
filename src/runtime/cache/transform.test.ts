import { expect } from 'chai';
import { deepFreeze, keepOnly, pick, stripManagedFields } from './transform.js';

describe('transform: on the way into the cache', () => {
  it('stripManagedFields drops managedFields and kubectl\'s last-applied annotation, nothing else', () => {
    const o = {
      metadata: {
        name: 'web',
        managedFields: [{ manager: 'karmada-controller-manager', fieldsV1: { 'f:spec': {} } }],
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"big":true}', 'clusterset-dns.io/local-first': 'true' },
      },
      spec: { ips: ['10.98.0.1'] },
    };
    expect(stripManagedFields(o)).to.equal(o);
    expect(o).to.deep.equal({ metadata: { name: 'web', annotations: { 'clusterset-dns.io/local-first': 'true' } }, spec: { ips: ['10.98.0.1'] } });
    const bare = { kind: 'Status' };
    stripManagedFields(bare);
    expect(bare).to.deep.equal({ kind: 'Status' });
  });

  it('deepFreeze freezes nested objects and arrays', () => {
    const o = deepFreeze({ a: { b: [1, { c: 2 }] } });
    expect(Object.isFrozen(o.a.b)).to.equal(true);
    expect(Object.isFrozen(o.a.b[1])).to.equal(true);
  });

  it('keepOnly makes a new object of the named keys, each replaced by what its part makes of it (undefined drops it)', () => {
    const o: Record<string, unknown> = { a: 1, b: { x: 1, y: 2 }, c: 3, d: 'gone' };
    const kept = keepOnly(o, ['a', 'b', 'c'], { b: (v) => pick(v, ['x', 'z']), c: () => undefined });
    expect(kept).to.deep.equal({ a: 1, b: { x: 1 } });
    expect(o, 'the original untouched').to.deep.equal({ a: 1, b: { x: 1, y: 2 }, c: 3, d: 'gone' });
    expect(pick('not an object', ['x'])).to.equal(undefined);
  });
});

