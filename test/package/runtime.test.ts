/**
 * The Node release the tests run on is the one the project pins: package.json's
 * devDependency "node" (npm installs that release's binary and npm scripts find
 * it first on PATH, so a machine with an older Node still tests on the pinned
 * one). The image and .nvmrc name the same release, and `engines` starts at it.
 * A machine that silently runs the tests on its own Node fails here.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');
const read = (file: string): string => readFileSync(join(root, file), 'utf8');

interface PackageJson {
  engines?: { node?: string };
  devDependencies?: Record<string, string>;
}
const pkg = JSON.parse(read('package.json')) as PackageJson;
const pinned = pkg.devDependencies?.['node'] ?? '';
const [pinnedMajor] = pinned.split('.');

describe('the pinned Node runtime', () => {
  it('package.json pins an exact release of the npm package "node"', () => {
    expect(pinned).to.match(/^\d+\.\d+\.\d+$/);
  });

  it('runs these tests', () => {
    expect(process.version, `tests ran on ${process.execPath}; run them through npm (npm test, npm run test:unit, npx), which puts node_modules/.bin/node first on PATH, after npm ci installed it`).to.equal(`v${pinned}`);
  });

  it('engines.node is the pinned release and later ones of its line', () => {
    expect(pkg.engines?.node).to.equal(`^${pinned}`);
  });

  it('.nvmrc names the pinned release', () => {
    expect(read('.nvmrc').trim()).to.equal(pinned);
  });

  it('the image builds on the pinned release and runs on its line', () => {
    const dockerfile = read('Dockerfile');
    expect(dockerfile).to.match(new RegExp(`^ARG NODE_VERSION=${pinned.replaceAll('.', '\\.')}$`, 'm'));
    expect(dockerfile).to.match(/^FROM node:\$\{NODE_VERSION\}-bookworm-slim AS build$/m);
    expect(dockerfile).to.match(new RegExp(`^FROM gcr\\.io/distroless/nodejs${pinnedMajor}-debian12:nonroot$`, 'm'));
  });
});
