/**
 * `holds` (test/support/kube.ts), which the end-to-end tests use for every
 * claim that something stays true: it must fail at the first sample that
 * breaks the invariant, even when the break is over before the window ends,
 * and pass an invariant that stays true throughout.
 */
import { expect } from 'chai';
import { holds } from '../support/kube.js';

describe('holds (test support)', () => {
  it('passes a steady invariant after sampling the whole window', async () => {
    const t0 = Date.now();
    const samples = await holds('steady', 600, async () => true, 50);
    expect(Date.now() - t0).to.be.at.least(600);
    expect(samples).to.be.at.least(6);
  });

  it('fails fast on a break that heals inside the window, naming the sample and the time', async () => {
    const t0 = Date.now();
    // Broken from 200 to 400 ms of a 5 s window: the last sample would pass.
    const broken = () => { const t = Date.now() - t0; return t >= 200 && t < 400; };
    const err = await holds('the value', 5_000, async () => expect(broken(), 'broken').to.equal(false), 50).then(() => undefined, (e: Error) => e);
    expect(err?.message).to.match(/^the value: broke at sample \d+, 0\.[234]s into the window \(broken: expected true to equal false\)$/);
    expect(Date.now() - t0, 'failed at the break, not at the end of the window').to.be.lessThan(1_000);
  });

  it('fails on a probe that returns false', async () => {
    const err = await holds('flag', 1_000, async () => false, 50).then(() => undefined, (e: Error) => e);
    expect(err?.message).to.equal('flag: broke at sample 1, 0.0s into the window (false)');
  });

  it('with a promise for a window, samples until it settles and fails if it rejects', async () => {
    const t0 = Date.now();
    await holds('until settled', new Promise((r) => setTimeout(r, 300)), async () => true, 50);
    expect(Date.now() - t0).to.be.at.least(300);
    const err = await holds('until rejected', new Promise((_r, j) => setTimeout(() => j(new Error('gave up')), 100)), async () => true, 50).then(() => undefined, (e: Error) => e);
    expect(err?.message).to.equal('gave up');
  });
});
