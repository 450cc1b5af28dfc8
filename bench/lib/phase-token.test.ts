import { expect } from 'chai';
import { parsePhaseToken } from './phase-token.js';

const KNOWN = ['floors', 'cold', 'restart', 'idle'];

describe('parsePhaseToken (bench --phases entries)', () => {
  const ok: Array<[string, { name: string; build?: string; route?: string; access?: string; suffix: string }]> = [
    ['cold', { name: 'cold', suffix: '' }],
    ['cold:dist', { name: 'cold', build: 'dist', suffix: ':dist' }],
    ['cold@retain', { name: 'cold', route: 'retain', suffix: '@retain' }],
    ['cold@override-policy', { name: 'cold', route: 'override-policy', suffix: '@override-policy' }],
    ['restart:tsx@auto', { name: 'restart', build: 'tsx', route: 'auto', suffix: ':tsx@auto' }],
    ['cold+direct', { name: 'cold', access: 'direct', suffix: '+direct' }],
    ['cold:dist@retain+proxy', { name: 'cold', build: 'dist', route: 'retain', access: 'proxy', suffix: ':dist@retain+proxy' }],
  ];
  for (const [token, want] of ok) {
    it(`reads ${token}`, () => {
      expect(parsePhaseToken(token, KNOWN)).to.deep.equal({ build: undefined, route: undefined, access: undefined, ...want });
    });
  }

  const bad: Array<[string, RegExp]> = [
    ['burst', /unknown phase burst in "burst" \(known: floors, cold, restart, idle\)/],
    ['cold:node', /the controller is tsx or dist, not "node"/],
    ['cold@direct', /the write route is auto, retain, override-policy, not "direct"/],
    ['cold@', /the write route is .*not ""/],
    ['cold@retain:dist', /the write route is .*not "retain:dist"/],
    ['cold+secret', /the member access is proxy or direct, not "secret"/],
    ['Cold', /expected <phase>\[:tsx\|:dist\]\[@auto\|retain\|override-policy\]\[\+proxy\|\+direct\]/],
  ];
  for (const [token, message] of bad) {
    it(`refuses ${JSON.stringify(token)}`, () => {
      expect(() => parsePhaseToken(token, KNOWN)).to.throw(message);
    });
  }
});
