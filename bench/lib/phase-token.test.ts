import { expect } from 'chai';
import { parsePhaseToken } from './phase-token.js';

const KNOWN = ['floors', 'cold', 'restart', 'idle'];

describe('parsePhaseToken (bench --phases entries)', () => {
  const ok: Array<[string, { name: string; build?: string; route?: string; suffix: string }]> = [
    ['cold', { name: 'cold', suffix: '' }],
    ['cold:dist', { name: 'cold', build: 'dist', suffix: ':dist' }],
    ['cold@retain', { name: 'cold', route: 'retain', suffix: '@retain' }],
    ['cold@override-policy', { name: 'cold', route: 'override-policy', suffix: '@override-policy' }],
    ['restart:tsx@auto', { name: 'restart', build: 'tsx', route: 'auto', suffix: ':tsx@auto' }],
  ];
  for (const [token, want] of ok) {
    it(`reads ${token}`, () => {
      expect(parsePhaseToken(token, KNOWN)).to.deep.equal({ build: undefined, route: undefined, ...want });
    });
  }

  const bad: Array<[string, RegExp]> = [
    ['burst', /unknown phase burst in "burst" \(known: floors, cold, restart, idle\)/],
    ['cold:node', /the controller is tsx or dist, not "node"/],
    ['cold@direct', /the write route is auto, retain, override-policy, not "direct"/],
    ['cold@', /the write route is .*not ""/],
    ['cold@retain:dist', /the write route is .*not "retain:dist"/],
    ['Cold', /expected <phase>\[:tsx\|:dist\]\[@auto\|retain\|override-policy\]/],
  ];
  for (const [token, message] of bad) {
    it(`refuses ${JSON.stringify(token)}`, () => {
      expect(() => parsePhaseToken(token, KNOWN)).to.throw(message);
    });
  }
});
