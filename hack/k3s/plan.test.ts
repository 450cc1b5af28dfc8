import { expect } from 'chai';
import { DEFAULT_K3S_IMAGE, memberNames, noEngineMessage, parseK3sArgs } from './plan.js';

describe('members:k3s: the command line (pure)', () => {
  const table: Array<[string, string[], ReturnType<typeof parseK3sArgs>]> = [
    ['defaults', [], { kind: 'run', options: { count: 1, prefix: 'k3s', image: DEFAULT_K3S_IMAGE, checkOnly: false } }],
    ['every flag', ['--count=3', '--prefix=edge', '--image=rancher/k3s:v1.34.1-k3s1', '--check'], { kind: 'run', options: { count: 3, prefix: 'edge', image: 'rancher/k3s:v1.34.1-k3s1', checkOnly: true } }],
    ['help wins', ['--count=2', '-h'], { kind: 'help' }],
    ['count 0', ['--count=0'], { kind: 'usage', message: '--count: want a whole number from 1 to 5, got "0"' }],
    ['count not a number', ['--count=two'], { kind: 'usage', message: '--count: want a whole number from 1 to 5, got "two"' }],
    ['a dot in the prefix (Karmada rejects it in Cluster names)', ['--prefix=k3s.a'], { kind: 'usage', message: '--prefix: want a lower-case DNS label of at most 42 characters, got "k3s.a"' }],
    ['an empty image', ['--image= '], { kind: 'usage', message: '--image: empty' }],
    ['an unknown flag', ['--kind'], { kind: 'usage', message: 'unknown argument "--kind"' }],
  ];
  for (const [name, argv, want] of table) it(name, () => expect(parseK3sArgs(argv)).to.deep.equal(want));
});

describe('members:k3s: names and messages (pure)', () => {
  const opts = { count: 2, prefix: 'k3s', image: DEFAULT_K3S_IMAGE, checkOnly: false };
  it('numbers the members from 1', () => expect(memberNames(opts, ['member1', 'member2'])).to.deep.equal({ names: ['k3s1', 'k3s2'] }));
  it('refuses names the federation already has', () => expect(memberNames(opts, ['member1', 'k3s2'])).to.deep.equal({ clash: ['k3s2'] }));
  it('says there is no engine, why, and how to get one', () => {
    const m = noEngineMessage('Could not find a working container runtime strategy');
    expect(m.split('\n')[0]).to.equal('members:k3s: no container engine: Could not find a working container runtime strategy');
    expect(m).to.match(/DOCKER_HOST/);
  });
});
