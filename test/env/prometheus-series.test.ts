import { expect } from 'chai';
import { inputSeries, parseExposition, seriesSelector } from './prometheus-series.js';

describe('prometheus-series', () => {
  describe('parseExposition', () => {
    const cases: Array<[string, string, ReturnType<typeof parseExposition>]> = [
      ['comments and blank lines', '# HELP a x\n# TYPE a gauge\n\n', []],
      ['no labels', 'up 1', [{ name: 'up', labels: {}, value: 1 }]],
      ['labels, in order', 'a{x="1",y="b c"} 2.5', [{ name: 'a', labels: { x: '1', y: 'b c' }, value: 2.5 }]],
      ['an empty label value (problems not about a member)', 'p{reason="NoPorts",member_cluster=""} 1', [{ name: 'p', labels: { reason: 'NoPorts', member_cluster: '' }, value: 1 }]],
      ['escapes in a label value', String.raw`a{x="q\"b\\s\nn"} 0`, [{ name: 'a', labels: { x: 'q"b\\s\nn' }, value: 0 }]],
      ['a comma and brace inside a label value', 'a{x="1,}",y="2"} 3', [{ name: 'a', labels: { x: '1,}', y: '2' }, value: 3 }]],
      ['a trailing comma', 'a{x="1",} 3', [{ name: 'a', labels: { x: '1' }, value: 3 }]],
      ['+Inf bucket and a timestamp', 'h_bucket{le="+Inf"} 4 1700000000000', [{ name: 'h_bucket', labels: { le: '+Inf' }, value: 4 }]],
      ['special values', 'a +Inf\nb -Inf', [{ name: 'a', labels: {}, value: Infinity }, { name: 'b', labels: {}, value: -Infinity }]],
    ];
    for (const [name, text, want] of cases) it(name, () => expect(parseExposition(text)).to.deep.equal(want));

    it('NaN', () => expect(parseExposition('a NaN')[0]?.value).to.be.NaN);

    for (const bad of ['a{x=1} 2', 'a{x="1" 2', 'a', 'a one'])
      it(`refuses ${JSON.stringify(bad)}`, () => expect(() => parseExposition(bad)).to.throw());
  });

  it('seriesSelector sorts labels and escapes values', () => {
    expect(seriesSelector('m', { b: 'x"y', a: '' })).to.equal('m{a="",b="x\\"y"}');
  });

  describe('inputSeries', () => {
    it('one row per series and target, `_` where a step did not show it', () => {
      const got = inputSeries([
        [{ target: { pod: 'a' }, text: 'g{m="1"} 1\ng{m="2"} 0' }, { target: { pod: 'b' }, text: 'g{m="1"} 1' }],
        [{ target: { pod: 'a' }, text: 'g{m="1"} 2' }],
      ]);
      expect(got).to.deep.equal([
        { series: 'g{m="1",pod="a"}', values: '1 2' },
        { series: 'g{m="1",pod="b"}', values: '1 _' },
        { series: 'g{m="2",pod="a"}', values: '0 _' },
      ]);
    });

    it('refuses an exposition label the target also sets', () => {
      expect(() => inputSeries([[{ target: { pod: 'a' }, text: 'g{pod="x"} 1' }]])).to.throw(/"pod"/);
    });
  });
});
