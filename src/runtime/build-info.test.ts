import { expect } from 'chai';
import { parseBuildInfo, readBuildInfo } from './build-info.js';

describe('runtime/build-info', () => {
  const PKG = '{"name":"karmada-clusterset-dns","version":"0.1.0"}';
  const cases: Array<{ name: string; pkg: string | undefined; info: string | undefined; want: { version: string; commit: string } }> = [
    { name: 'a build: both files', pkg: PKG, info: '{"commit":"4d4232f"}\n', want: { version: '0.1.0', commit: '4d4232f' } },
    { name: 'from source: no build-info.json', pkg: PKG, info: undefined, want: { version: '0.1.0', commit: 'unknown' } },
    { name: 'a malformed build-info.json', pkg: PKG, info: '{"commit":', want: { version: '0.1.0', commit: 'unknown' } },
    { name: 'a commit that is not a string', pkg: PKG, info: '{"commit":42}', want: { version: '0.1.0', commit: 'unknown' } },
    { name: 'an empty commit', pkg: PKG, info: '{"commit":""}', want: { version: '0.1.0', commit: 'unknown' } },
    { name: 'JSON null', pkg: 'null', info: 'null', want: { version: 'unknown', commit: 'unknown' } },
    { name: 'no package.json', pkg: undefined, info: '{"commit":"abc1234"}', want: { version: 'unknown', commit: 'abc1234' } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(parseBuildInfo(c.pkg, c.info, 'v20.0.0')).to.deep.equal({ ...c.want, nodeVersion: 'v20.0.0' });
    });
  }

  it('reads this checkout\'s package.json and never throws', () => {
    const info = readBuildInfo();
    expect(info.version).to.match(/^\d+\.\d+\.\d+/);
    expect(info.nodeVersion).to.equal(process.version);
    // From source there is no dist/build-info.json next to this file.
    expect(info.commit).to.equal('unknown');
  });
});
