/**
 * Imports run one way: commands → features → infrastructure → API types
 * (CONTRIBUTING.md, "Layout"). This reads every non-test source file's
 * relative imports and fails on one that points up or sideways.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');
const src = join(root, 'src');

/** What each folder under src/ may import, besides itself. */
const MAY_IMPORT: Record<string, readonly string[]> = {
  api: [],
  kube: ['api'],
  runtime: ['api', 'kube'],
  karmada: ['api', 'kube', 'runtime'],
  // MCS EndpointSlices and the like: pure plans and thin writers a feature (serviceimport) may call.
  mcs: ['api', 'kube', 'runtime', 'karmada'],
  serviceimport: ['api', 'kube', 'runtime', 'karmada'],
  coredns: ['api', 'kube', 'runtime', 'karmada'],
  doctor: ['api', 'kube', 'runtime', 'karmada', 'serviceimport', 'coredns'],
  cmd: ['api', 'kube', 'runtime', 'karmada', 'serviceimport', 'coredns', 'doctor'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*'(\.{1,2}\/[^']+)'|import\(\s*'(\.{1,2}\/[^']+)'\s*\)/g;

/** Every relative import of every source file, as [importer, imported], paths relative to src/. */
function importsOf(files: string[]): Array<[string, string]> {
  return files.flatMap((f) =>
    [...readFileSync(f, 'utf8').matchAll(IMPORT)].map((m): [string, string] => [relative(src, f), relative(src, resolve(dirname(f), m[1] ?? m[2] ?? ''))]),
  );
}

export function layerViolations(pairs: Array<[string, string]>): string[] {
  const top = (p: string) => p.split('/')[0] ?? '';
  return pairs
    .filter(([from, to]) => {
      if (to.startsWith('..')) return true; // outside src/: test code or scripts
      const a = top(from);
      const b = top(to);
      return a !== b && !(MAY_IMPORT[a] ?? []).includes(b);
    })
    .map(([from, to]) => `src/${from} imports ${to.startsWith('..') ? to.slice(3) : `src/${to}`}`);
}

describe('source layout', () => {
  it('every folder under src/ has a place in the layer order', () => {
    const folders = readdirSync(src, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(folders.filter((f) => !(f in MAY_IMPORT))).to.deep.equal([]);
  });

  it('imports run one way: commands → features → infrastructure → API types', () => {
    const pairs = importsOf(sourceFiles(src));
    expect(pairs.length).to.be.greaterThan(100);
    expect(layerViolations(pairs)).to.deep.equal([]);
  });

  it('the check catches an upward, a sideways and an outside import', () => {
    expect(
      layerViolations([
        ['karmada/cluster-manager.ts', 'serviceimport/overridepolicy.js'],
        ['serviceimport/writer.ts', 'coredns/install.js'],
        ['doctor/format.ts', 'cmd/coredns.js'],
        ['coredns/install.ts', '../test/support/kube.js'],
        ['serviceimport/plan.ts', 'serviceimport/decide.js'],
        ['cmd/run.ts', 'runtime/manager.js'],
      ]),
    ).to.deep.equal([
      'src/karmada/cluster-manager.ts imports src/serviceimport/overridepolicy.js',
      'src/serviceimport/writer.ts imports src/coredns/install.js',
      'src/doctor/format.ts imports src/cmd/coredns.js',
      'src/coredns/install.ts imports test/support/kube.js',
    ]);
  });
});
