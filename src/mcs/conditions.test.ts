import { expect } from 'chai';
import type { Condition } from '../api/mcs.js';
import { conditionTime, nextConditions, type DesiredCondition } from './conditions.js';

const EARLIER = '2026-01-01T00:00:00Z';
const NOW = new Date('2026-01-02T03:04:05.678Z');
const NOW_TEXT = '2026-01-02T03:04:05Z';

const valid: DesiredCondition = { type: 'Valid', status: 'True', reason: 'Valid', message: 'ok' };
const written = (d: DesiredCondition, over: Partial<Condition> = {}): Condition => ({ ...d, lastTransitionTime: EARLIER, observedGeneration: 1, ...over });

describe('nextConditions', () => {
  const cases: Array<{ name: string; existing: Condition[] | undefined; desired: DesiredCondition[]; generation?: number; want: Condition[]; changed: boolean }> = [
    { name: 'a new condition gets now', existing: undefined, desired: [valid], generation: 1, want: [written(valid, { lastTransitionTime: NOW_TEXT })], changed: true },
    { name: 'nothing changed: no write, time kept', existing: [written(valid)], desired: [valid], generation: 1, want: [written(valid)], changed: false },
    {
      name: 'a new message with the same status keeps the transition time',
      existing: [written(valid)],
      desired: [{ ...valid, message: 'still ok' }],
      generation: 1,
      want: [written({ ...valid, message: 'still ok' })],
      changed: true,
    },
    {
      name: 'a new reason with the same status keeps the transition time',
      existing: [written({ type: 'Conflict', status: 'True', reason: 'PortConflict', message: 'm' })],
      desired: [{ type: 'Conflict', status: 'True', reason: 'PortConflict,TypeConflict', message: 'm' }],
      generation: 1,
      want: [written({ type: 'Conflict', status: 'True', reason: 'PortConflict,TypeConflict', message: 'm' })],
      changed: true,
    },
    {
      name: 'a new status is a transition: now',
      existing: [written(valid)],
      desired: [{ ...valid, status: 'False', reason: 'NoService' }],
      generation: 1,
      want: [written({ ...valid, status: 'False', reason: 'NoService' }, { lastTransitionTime: NOW_TEXT })],
      changed: true,
    },
    { name: 'a new generation alone is a change', existing: [written(valid)], desired: [valid], generation: 2, want: [written(valid, { observedGeneration: 2 })], changed: true },
    {
      name: 'another type is kept in place; a new type is appended',
      existing: [written({ type: 'Ready', status: 'True', reason: 'Exported', message: 'r' }), written(valid)],
      desired: [valid, { type: 'Conflict', status: 'False', reason: 'NoConflicts', message: 'c' }],
      generation: 1,
      want: [
        written({ type: 'Ready', status: 'True', reason: 'Exported', message: 'r' }),
        written(valid),
        written({ type: 'Conflict', status: 'False', reason: 'NoConflicts', message: 'c' }, { lastTransitionTime: NOW_TEXT }),
      ],
      changed: true,
    },
    { name: 'no generation known: none written', existing: undefined, desired: [valid], want: [{ ...valid, lastTransitionTime: NOW_TEXT }], changed: true },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const before = structuredClone(c.existing);
      const r = nextConditions(c.existing, c.desired, NOW, c.generation);
      expect(r.conditions).to.deep.equal(c.want);
      expect(r.changed).to.equal(c.changed);
      expect(c.existing).to.deep.equal(before, 'existing conditions are not modified');
    });
  }

  it('writes times as metav1.Time does: UTC, whole seconds', () => {
    expect(conditionTime(NOW)).to.equal(NOW_TEXT);
  });
});
