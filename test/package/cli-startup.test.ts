/**
 * Commands parse before they load the API client (docs/cli.md): `--help`,
 * `-h` and every usage error are decided by modules that load no heavy
 * package, and the modules that talk to the API are `await import`ed once
 * the flags are good. Loading @kubernetes/client-node alone costs over a
 * second of CPU, which every `--help` would otherwise pay.
 *
 * This follows the static imports (the ones that load with the module;
 * `import type` is erased, `await import()` waits) from main.ts and each
 * command's module, and fails naming the chain that reaches a heavy package.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(import.meta.dirname, '..', '..');

/** Each costs a noticeable share of a second to load. */
const HEAVY = ['@kubernetes/client-node', 'pino', 'prom-client'];

/** What `clusterset-dns`, `clusterset-dns <cmd> --help` and a usage error load. */
const ENTRIES = ['main', 'run', 'coredns', 'crds', 'doctor', 'karmada', 'version'].map((c) => `src/cmd/${c}.ts`);

/** The module specifiers `source` loads when it loads (verbatimModuleSyntax: only `import type` is erased). */
export function staticImports(source: string): string[] {
  const file = ts.createSourceFile('x.ts', source, ts.ScriptTarget.ES2022, false);
  return file.statements.flatMap((s) => {
    if (ts.isImportDeclaration(s) && !s.importClause?.isTypeOnly && ts.isStringLiteral(s.moduleSpecifier)) return [s.moduleSpecifier.text];
    if (ts.isExportDeclaration(s) && !s.isTypeOnly && s.moduleSpecifier && ts.isStringLiteral(s.moduleSpecifier)) return [s.moduleSpecifier.text];
    return [];
  });
}

/** Each package `entry` loads with it, and the chain of files through which. */
function packagesLoadedBy(entry: string, read: (path: string) => string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const seen = new Set<string>();
  const queue: Array<{ file: string; chain: string[] }> = [{ file: resolve(root, entry), chain: [] }];
  for (let next = queue.shift(); next; next = queue.shift()) {
    if (seen.has(next.file)) continue;
    seen.add(next.file);
    const chain = [...next.chain, relative(root, next.file)];
    for (const spec of staticImports(read(next.file))) {
      if (spec.startsWith('.')) queue.push({ file: resolve(dirname(next.file), spec.replace(/\.js$/, '.ts')), chain });
      else if (!spec.startsWith('node:') && !found.has(spec)) found.set(spec, chain);
    }
  }
  return found;
}

function heavyLoads(entry: string, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): string[] {
  return [...packagesLoadedBy(entry, read)].filter(([pkg]) => HEAVY.includes(pkg)).map(([pkg, chain]) => `${[...chain, pkg].join(' → ')}`);
}

describe('CLI start-up: commands parse before they load the API client', () => {
  for (const entry of ENTRIES) {
    it(`${entry} loads none of ${HEAVY.join(', ')} before parsing`, () => {
      expect(heavyLoads(entry)).to.deep.equal([]);
    });
  }

  it('counts a static import, however deep, and not `import type` or `await import()`', () => {
    const files: Record<string, string> = {
      'src/cmd/a.ts': "import type * as k8s from '@kubernetes/client-node';\nimport { b } from './b.js';\nexport async function a() { return import('pino'); }\n",
      'src/cmd/b.ts': "export { c } from './c.js';\n",
      'src/cmd/c.ts': "import { type KubeConfig } from '@kubernetes/client-node';\n",
    };
    const read = (p: string) => files[relative(root, p)] ?? '';
    expect(heavyLoads('src/cmd/a.ts', read)).to.deep.equal(['src/cmd/a.ts → src/cmd/b.ts → src/cmd/c.ts → @kubernetes/client-node']);
  });
});
