import { expect } from 'chai';
import { slowestSamplesTable } from './slow-samples.js';

describe('bench: the trickle\'s slowest samples', () => {
  it('lists the n slowest first, with the controller\'s stall and GCs, skipping unfilled samples', () => {
    const t = slowestSamplesTable([
      { key: 'ns/tr-001', member: 'member1', totalMs: 12, controllerLoopMaxMs: 3, majorGcs: 0, majorGcMs: 0 },
      { key: 'ns/tr-002', member: 'member2', totalMs: 288, controllerLoopMaxMs: 260.5, majorGcs: 1, majorGcMs: 241 },
      { key: 'ns/tr-003', member: 'member1', totalMs: null },
      { key: 'ns/tr-004', member: 'member1', totalMs: 60 },
    ], 2).split('\n');
    expect(t).to.have.length(4);
    expect(t[2]).to.equal('| tr-002 | member2 | 288 | 260.5 | 1 (241) |');
    expect(t[3]).to.equal('| tr-004 | member1 | 60 | – | – |');
  });
});
