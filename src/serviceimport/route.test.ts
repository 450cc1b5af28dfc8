import { expect } from 'chai';
import { FakeClock } from '../runtime/clock.js';
import type { RetentionState } from '../karmada/retention.js';
import { chooseRoute, RouteSelector, type ManagedRoute, type RouteChoice, type WriteRouteFlag } from './route.js';

const installed: RetentionState = { state: 'installed' };
const outdated: RetentionState = { state: 'outdated' };
const missing: RetentionState = { state: 'missing' };
const conflict: RetentionState = { state: 'conflict', owners: ['lighthouse-retain'] };

describe('chooseRoute', () => {
  const cases: Array<[WriteRouteFlag, RetentionState, boolean, ManagedRoute, RegExp]> = [
    ['auto', installed, true, 'retain', /installed/],
    ['auto', outdated, true, 'retain', /another version/],
    ['auto', installed, false, 'override-policy', /waiting for Karmada/],
    ['auto', missing, false, 'override-policy', /not installed.*OverridePolicies/],
    ['auto', conflict, false, 'override-policy', /held by lighthouse-retain/],
    ['retain', installed, true, 'retain', /installed/],
    ['retain', installed, false, 'hold', /waiting/],
    ['retain', missing, false, 'hold', /--write-route=retain but .*left as they are/],
    ['retain', conflict, false, 'hold', /lighthouse-retain/],
    ['override-policy', installed, true, 'override-policy', /--write-route=override-policy/],
    ['override-policy', missing, false, 'override-policy', /--write-route=override-policy/],
  ];
  for (const [flag, state, settled, route, why] of cases) {
    it(`--write-route=${flag}, rule ${state.state}${settled ? ', settled' : ''} → ${route}`, () => {
      const got = chooseRoute(flag, state, settled);
      expect(got.route).to.equal(route);
      expect(got.why).to.match(why);
    });
  }
});

describe('RouteSelector', () => {
  function selector(flag: WriteRouteFlag = 'auto') {
    const clock = new FakeClock();
    const changes: Array<[ManagedRoute, ManagedRoute]> = [];
    const s = new RouteSelector({ flag, clock, settleMs: 5_000, onChange: (c: RouteChoice, p: RouteChoice) => void (p.route !== c.route && changes.push([p.route, c.route])) });
    return { s, clock, changes };
  }

  it('uses a rule that was there at start at once', () => {
    const { s, changes } = selector();
    expect(s.start(installed).route).to.equal('retain');
    expect(changes).to.deep.equal([]);
  });

  it('uses a rule that appears while running only after it settled', () => {
    const { s, clock, changes } = selector();
    expect(s.start(missing).route).to.equal('override-policy');
    s.update(installed);
    expect(s.current().route).to.equal('override-policy');
    clock.advance(4_999);
    expect(s.current().route).to.equal('override-policy');
    clock.advance(1);
    expect(s.current().route).to.equal('retain');
    expect(changes).to.deep.equal([['override-policy', 'retain']]);
  });

  it('leaves the retain route at once when the rule goes or is taken', () => {
    const { s, changes } = selector();
    s.start(installed);
    s.update(conflict);
    expect(s.current().route).to.equal('override-policy');
    s.update(installed);
    expect(s.current().route).to.equal('override-policy');
    expect(changes).to.deep.equal([['retain', 'override-policy']]);
  });

  it('a rule that flaps restarts its settle time', () => {
    const { s, clock } = selector();
    s.start(missing);
    s.update(installed);
    clock.advance(3_000);
    s.update(missing);
    s.update(installed);
    clock.advance(3_000);
    expect(s.current().route).to.equal('override-policy');
    clock.advance(2_000);
    expect(s.current().route).to.equal('retain');
  });

  it('an outdated rule replaced by the current one keeps the route', () => {
    const { s, changes } = selector();
    s.start(outdated);
    s.update(installed);
    expect(s.current().route).to.equal('retain');
    expect(changes.filter(([a, b]) => a !== b)).to.deep.equal([]);
  });

  it('--write-route=retain holds until the rule settles', () => {
    const { s, clock, changes } = selector('retain');
    expect(s.start(missing).route).to.equal('hold');
    s.update(installed);
    clock.advance(5_000);
    expect(s.current().route).to.equal('retain');
    expect(changes).to.deep.equal([['hold', 'retain']]);
  });

  it('polls the rule: a change no event reported is used once it has settled', () => {
    const clock = new FakeClock();
    let state: RetentionState = missing;
    const changes: ManagedRoute[] = [];
    const s = new RouteSelector({ flag: 'auto', clock, settleMs: 5_000, poll: { read: () => state, everyMs: 2_000 }, onChange: (c, p) => void (c.route !== p.route && changes.push(c.route)) });
    s.start(missing);
    state = installed; // no update(): the watch event went missing
    clock.advance(2_000); // the poll sees it: settling starts now
    expect(s.current().route).to.equal('override-policy');
    clock.advance(4_999);
    expect(s.current().route).to.equal('override-policy');
    clock.advance(1);
    expect(s.current().route).to.equal('retain');
    expect(changes).to.deep.equal(['retain']);
    state = missing;
    clock.advance(2_000);
    expect(s.current().route).to.equal('override-policy');
  });

  it('stop() ends the polling and the settle timer', () => {
    const clock = new FakeClock();
    let reads = 0;
    let changes = 0;
    const s = new RouteSelector({ flag: 'auto', clock, settleMs: 5_000, poll: { read: () => (reads++, installed), everyMs: 2_000 }, onChange: () => void changes++ });
    s.start(missing);
    clock.advance(2_000);
    expect(reads).to.equal(1);
    expect(clock.pendingTimers()).to.equal(2); // the next poll and the settle timer
    s.stop();
    const changesBefore = changes;
    expect(clock.pendingTimers()).to.equal(0);
    clock.advance(60_000);
    expect(reads).to.equal(1);
    expect(changes).to.equal(changesBefore);
  });

  it('updates before start are remembered, not announced', () => {
    const { s, changes } = selector();
    s.update(installed);
    expect(changes).to.deep.equal([]);
    s.stop();
  });
});
