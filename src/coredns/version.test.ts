import { expect } from 'chai';
import { chooseFlavor, versionFromImage } from './version.js';

describe('CoreDNS version and flavour', () => {
  const images: Array<[string, string | undefined]> = [
    ['registry.k8s.io/coredns/coredns:v1.12.2', '1.12.2'],
    ['registry.k8s.io/coredns/coredns:v1.14.7@sha256:abc', '1.14.7'],
    ['coredns/coredns:1.11.1', '1.11.1'],
    ['localhost:5000/coredns:v1.9.3-eks', '1.9.3'],
    ['coredns/coredns', undefined],
    ['coredns/coredns:latest', undefined],
  ];
  for (const [image, want] of images) {
    it(`reads ${want ?? 'no version'} from ${image}`, () => {
      const v = versionFromImage(image);
      expect(v ? `${v.major}.${v.minor}.${v.patch}` : undefined).to.equal(want);
    });
  }

  const cases: Array<[string, string | undefined, Parameters<typeof chooseFlavor>[1], string]> = [
    ['>= 1.12.2 is in-tree', 'coredns:v1.12.2', {}, 'in-tree'],
    ['newer is in-tree', 'coredns:v1.14.7', {}, 'in-tree'],
    ['older is refused', 'coredns:v1.11.3', {}, 'refused:v1.11.3'],
    ['older with the external plugin', 'coredns:v1.11.3', { flavor: 'external' }, 'external'],
    ['no tag is refused', 'coredns:latest', {}, 'refused:cannot tell'],
    ['the flag overrides the image', 'coredns:latest', { version: '1.13.0' }, 'in-tree'],
  ];
  for (const [name, image, opts, want] of cases) {
    it(name, () => {
      const r = chooseFlavor(image, opts);
      if (want.startsWith('refused:')) {
        expect(r).to.have.property('refused').that.contains(want.slice('refused:'.length));
      } else {
        expect(r).to.deep.equal({ flavor: want });
      }
    });
  }
});
