import { expect } from 'chai';
import { localFirstEnabled, step, type LocalFirstState, type Mode } from './localfirst.js';

const cfg = { debounceMs: 200, holdDownMs: 30_000 };

/** Runs a sequence of (time, healthy) observations; returns the mode after each and the switches. */
function run(seq: Array<[number, boolean]>) {
  let s: LocalFirstState | undefined;
  const modes: Mode[] = [];
  const switches: string[] = [];
  const rechecks: Array<number | undefined> = [];
  for (const [t, healthy] of seq) {
    const r = step(s, healthy, t, cfg);
    s = r.state;
    modes.push(s.mode);
    rechecks.push(r.recheckAfterMs);
    if (r.switched) switches.push(`${t}:${r.switched.to}`);
  }
  return { modes, switches, rechecks };
}

describe('local-first state machine', () => {
  const cases: Array<{ name: string; seq: Array<[number, boolean]>; modes: Mode[]; switches: string[] }> = [
    { name: 'starts local when healthy, with no hold-down', seq: [[0, true]], modes: ['local'], switches: [] },
    { name: 'starts derived when not healthy', seq: [[0, false]], modes: ['derived'], switches: [] },
    {
      name: 'fails over after the debounce, not before',
      seq: [[0, true], [1000, false], [1100, false], [1200, false]],
      modes: ['local', 'local', 'local', 'derived'],
      switches: ['1200:derived'],
    },
    {
      name: 'a blip shorter than the debounce does not fail over',
      seq: [[0, true], [1000, false], [1100, true], [1300, true]],
      modes: ['local', 'local', 'local', 'local'],
      switches: [],
    },
    {
      name: 'fails back only after the hold-down of continuous health',
      seq: [[0, true], [1000, false], [1200, false], [2000, true], [31_999, true], [32_000, true]],
      modes: ['local', 'local', 'derived', 'derived', 'derived', 'local'],
      switches: ['1200:derived', '32000:local'],
    },
    {
      name: 'flapping restarts the hold-down every time: DNS stays on derived',
      seq: [[0, true], [1000, false], [1200, false], [2000, true], [20_000, false], [21_000, true], [40_000, false], [41_000, true], [70_000, true], [71_000, true]],
      modes: ['local', 'local', 'derived', 'derived', 'derived', 'derived', 'derived', 'derived', 'derived', 'local'],
      switches: ['1200:derived', '71000:local'],
    },
    {
      name: 'local Service deleted (unhealthy) and recreated (healthy): fail over, then hold-down before fail-back',
      seq: [[0, true], [500, false], [800, false], [900, true], [30_899, true], [30_900, true]],
      modes: ['local', 'local', 'derived', 'derived', 'derived', 'local'],
      switches: ['800:derived', '30900:local'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = run(c.seq);
      expect(r.modes).to.deep.equal(c.modes);
      expect(r.switches).to.deep.equal(c.switches);
    });
  }

  it('asks to be rechecked exactly when a pending debounce or hold-down ends', () => {
    const r = run([[0, true], [1000, false], [1050, false], [1200, false], [5000, true]]);
    expect(r.rechecks).to.deep.equal([undefined, 200, 150, undefined, 30_000]);
  });

  const toggles: Array<[boolean, Record<string, string> | undefined, boolean]> = [
    [false, undefined, false],
    [true, undefined, true],
    [false, { 'clusterset-dns.io/local-first': 'true' }, true],
    [true, { 'clusterset-dns.io/local-first': 'false' }, false],
    [true, { 'clusterset-dns.io/local-first': 'TRUE ' }, true],
    [false, { 'clusterset-dns.io/local-first': 'maybe' }, false],
    [true, { 'clusterset-dns.io/local-first': '' }, true],
  ];
  for (const [flag, ann, want] of toggles) {
    it(`flag ${flag} + annotation ${JSON.stringify(ann)} → ${want}`, () => expect(localFirstEnabled(flag, ann)).to.equal(want));
  }
});
