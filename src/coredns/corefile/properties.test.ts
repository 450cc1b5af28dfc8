// Property tests over every fixture, seeded mutations of them, random well-formed
// Corefiles and random token soups. Seeds are fixed so a failure names its input and
// reproduces; the whole file stays well under two seconds.

import { expect } from 'chai';
import { inspect, planInstall, planUninstall, type InstallOptions } from './index.js';
import { FIXTURES } from '../../../test/support/corefile/fixtures.js';
import { CorefileParseError, parse, render } from './index.js';
import { Rng, addDirectives, mutateTrivia, structuredCorefile, toCRLF, tokenSoup } from '../../../test/support/corefile/testkit.js';

const OPTION_SETS: readonly InstallOptions[] = [
  { flavor: 'in-tree' },
  { flavor: 'in-tree', ttl: 7, headerRaFix: true },
  { flavor: 'external' },
  { flavor: 'external', headerRaFix: true },
];

/** What uninstall should give back: the input without any clusterset-dns lines. */
function baseOf(src: string): string {
  const u = planUninstall(src);
  return u.kind === 'changed' ? u.corefile : src;
}

/**
 * The core properties for one Corefile: lossless parse, and for every option set
 * install is idempotent, uninstall restores byte for byte, and the result inspects
 * as installed. Returns the install kinds, for callers that also check stability.
 */
function checkProperties(src: string, label: string): string[] {
  expect(render(parse(src)), `${label}: round trip`).to.equal(src);
  const base = baseOf(src);
  const kinds: string[] = [];
  for (const opts of OPTION_SETS) {
    const what = `${label} ${JSON.stringify(opts)}`;
    const p = planInstall(src, opts);
    kinds.push(p.kind);
    if (p.kind !== 'changed') continue;
    expect(render(parse(p.corefile)), `${what}: result round trip`).to.equal(p.corefile);
    const again = planInstall(p.corefile, opts);
    expect(again.kind, `${what}: idempotent (${'reason' in again ? again.reason : ''})`).to.equal('unchanged');
    const u = planUninstall(p.corefile);
    expect(u.kind, `${what}: uninstall`).to.equal('changed');
    if (u.kind === 'changed') expect(u.corefile, `${what}: uninstall restores the original byte for byte`).to.equal(base);
    expect(inspect(p.corefile).status, `${what}: inspect`).to.equal('installed');
  }
  return kinds;
}

describe('corefile properties', function () {
  this.timeout(20000);

  it('hold on every fixture', () => {
    for (const f of FIXTURES) checkProperties(f.corefile, f.name);
  });

  it('hold, with the same outcome, under random whitespace and comment insertions', () => {
    for (const f of FIXTURES) {
      if (f.corefile === '') continue;
      const expected = checkProperties(f.corefile, f.name);
      for (let seed = 1; seed <= 4; seed++) {
        const rng = new Rng(seed * 7919 + f.name.length);
        const mutated = mutateTrivia(f.corefile, rng, 0.1 + rng.next() * 0.4);
        const label = `${f.name} (trivia seed ${seed})`;
        // Same tokens on the same lines: CoreDNS sees the same Corefile.
        const shape = (s: string): string[] => {
          const ts = parse(s).tokens;
          return ts.map((t, i) => `${i > 0 && t.line > (ts[i - 1]?.endLine ?? 0) ? '\n' : ''}${t.value}`);
        };
        expect(shape(mutated), `${label}: same tokens`).to.deep.equal(shape(f.corefile));
        expect(checkProperties(mutated, label), `${label}: same outcome as the fixture`).to.deep.equal(expected);
      }
    }
  });

  it('hold under unrelated directive insertions and line-ending changes', () => {
    for (const f of FIXTURES) {
      if (f.corefile === '') continue;
      for (let seed = 1; seed <= 3; seed++) {
        const rng = new Rng(seed * 104729 + f.name.length);
        const mutated = mutateTrivia(addDirectives(f.corefile, rng), rng);
        checkProperties(mutated, `${f.name} (directives seed ${seed})`);
        checkProperties(toCRLF(mutated), `${f.name} (directives seed ${seed}, CRLF)`);
      }
    }
  });

  it('uninstall restores what CoreDNS sees after whitespace and comment edits around our lines', () => {
    const shape = (s: string): string[] => {
      const ts = parse(s).tokens;
      return ts.map((t, i) => `${i > 0 && t.line > (ts[i - 1]?.endLine ?? 0) ? '\n' : ''}${t.value}`);
    };
    for (const f of FIXTURES) {
      for (const opts of OPTION_SETS) {
        const p = planInstall(f.corefile, opts);
        if (p.kind !== 'changed') continue;
        for (let seed = 1; seed <= 3; seed++) {
          const rng = new Rng(seed * 31 + f.name.length);
          // Blank lines, comment lines and blanks anywhere, also next to our markers
          // (but without rewriting the marker comments themselves).
          const edited = mutateTrivia(p.corefile, rng, 0.3, false);
          const label = `${f.name} ${JSON.stringify(opts)} seed ${seed}`;
          expect(inspect(edited).status, label).to.equal('installed');
          expect(planInstall(edited, opts).kind, label).to.equal('unchanged');
          const u = planUninstall(edited);
          expect(u.kind, `${label}: ${'reason' in u ? u.reason : ''}`).to.equal('changed');
          if (u.kind !== 'changed') continue;
          expect(shape(u.corefile), label).to.deep.equal(shape(f.corefile));
          expect(planUninstall(u.corefile).kind, label).to.equal('unchanged');
        }
      }
    }
  });

  it('hold on random well-formed Corefiles', () => {
    const rng = new Rng(20250101);
    let changed = 0;
    for (let i = 0; i < 300; i++) {
      const src = structuredCorefile(rng);
      const kinds = checkProperties(src, `structured #${i}: ${JSON.stringify(src)}`);
      if (kinds.includes('changed')) changed++;
    }
    // The generator must actually exercise the editor, not only its refusals.
    expect(changed).to.be.greaterThan(150);
  });

  it('never crash on random token soups (only CorefileParseError, and plans never throw)', () => {
    const rng = new Rng(42);
    let parsed = 0;
    for (let i = 0; i < 3000; i++) {
      const src = tokenSoup(rng);
      const label = JSON.stringify(src);
      try {
        expect(render(parse(src)), label).to.equal(src);
        parsed++;
      } catch (e) {
        if (!(e instanceof CorefileParseError)) throw new Error(`${label}: ${String(e)}`);
        expect(e.line).to.be.at.least(1);
        expect(e.column).to.be.at.least(1);
      }
      const base = baseOf(src);
      for (const opts of OPTION_SETS) {
        const p = planInstall(src, opts);
        if (p.kind === 'changed') {
          const u = planUninstall(p.corefile);
          expect(u.kind === 'changed' ? u.corefile : null, label).to.equal(base);
          expect(planInstall(p.corefile, opts).kind, label).to.equal('unchanged');
        }
      }
      inspect(src);
    }
    expect(parsed).to.be.greaterThan(100);
  });
});
