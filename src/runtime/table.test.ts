import { expect } from 'chai';
import { table } from './table.js';

describe('runtime/table', () => {
  it('pads every column but the last to its widest cell, two spaces apart', () => {
    expect(table([['A', 'BB', 'C'], ['aaa', 'b', 'a long message']])).to.equal('A    BB  C\naaa  b   a long message\n');
  });
  it('leaves no trailing blanks after a short last cell', () => {
    expect(table([['NAME', 'MESSAGE'], ['x', '']])).to.equal('NAME  MESSAGE\nx     \n');
  });
});
