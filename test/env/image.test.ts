import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './binaries.js';
import { IMAGE_ENV, IMAGE_NODE_ARGS } from './controller.js';

describe('Dockerfile runs Node as the benchmarks do', () => {
  const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
  it('the same node flags before the entry point', () => {
    const entry = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(JSON.parse(entry ?? '[]')).to.deep.equal(['/nodejs/bin/node', ...IMAGE_NODE_ARGS, '/app/bin/clusterset-dns.js']);
  });
  it('the same environment', () => {
    for (const [k, v] of Object.entries(IMAGE_ENV)) expect(dockerfile).to.match(new RegExp(`^ENV ${k}=${v}$`, 'm'));
  });
});
