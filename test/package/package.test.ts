/**
 * The published package holds only what runs: the CLI entry point, the
 * compiled sources, and the mcs-api CRDs `crds install` applies. Test code (fixtures, testkits, the local environment)
 * lives outside src/ and must never reach dist/ or the tarball.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');
const TEST_CODE = /(\.test\.|fixtures|testkit|(^|\/)(test|bench|hack)\/)/;

describe('the published package', function () {
  this.timeout(60_000);

  it('npm pack lists only bin/, dist/, crds/mcs-api/ and package metadata, and no test code', () => {
    // --ignore-scripts: list what "files" selects without rebuilding dist/.
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
    const [pack] = JSON.parse(out) as Array<{ files: Array<{ path: string }> }>;
    const paths = (pack?.files ?? []).map((f) => f.path);
    expect(paths).to.include('bin/clusterset-dns.js');
    expect(paths).to.include('crds/mcs-api/multicluster.x-k8s.io_serviceimports.yaml');
    const outside = paths.filter((p) => !/^(bin|dist|crds\/mcs-api)\//.test(p) && !/^(package\.json|README\.md|LICENSE)$/.test(p));
    expect(outside, 'files outside bin/, dist/ and crds/mcs-api/').to.deep.equal([]);
    expect(paths.filter((p) => TEST_CODE.test(p)), 'test code in the package').to.deep.equal([]);
  });

  it('the build compiles only src/, without tests or test support', () => {
    const out = execFileSync(process.execPath, [resolve(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--listFilesOnly'], { cwd: root, encoding: 'utf8' });
    const ours = out.split('\n').map((l) => l.trim()).filter((l) => l.startsWith(root + '/') && !l.includes('/node_modules/')).map((l) => l.slice(root.length + 1));
    expect(ours.length).to.be.greaterThan(20);
    expect(ours.filter((p) => !p.startsWith('src/')), 'compiled files outside src/').to.deep.equal([]);
    expect(ours.filter((p) => TEST_CODE.test(p)), 'test code compiled into dist/').to.deep.equal([]);
  });
});
