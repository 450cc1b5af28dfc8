import { expect } from 'chai';
import { UsageError } from './flags.js';
import { errorLine, parseOrExit } from './io.js';

describe('cmd/internal/io: one line per error', () => {
  const cases: Array<[string, string, unknown, number, string]> = [
    ['a usage error points at the help of what was typed', 'coredns status', new UsageError('--ttl applies to install only'), 2, 'clusterset-dns coredns status: --ttl applies to install only; see clusterset-dns coredns status --help\n'],
    ['the top level', '', new UsageError('unknown command "x"'), 2, 'clusterset-dns: unknown command "x"; see clusterset-dns --help\n'],
    ['a failure is its message, no stack', 'run', Object.assign(new Error('listen EADDRINUSE: address already in use :::8080'), { code: 'EADDRINUSE' }), 1, 'clusterset-dns run: listen EADDRINUSE: address already in use :::8080\n'],
    ['an API error is read as the API says it', 'karmada status', { code: 403, body: { kind: 'Status', reason: 'Forbidden', message: 'no' } }, 1, 'clusterset-dns karmada status: HTTP 403 Forbidden: no\n'],
    ['a message on several lines becomes one', 'doctor', new UsageError('first\n  second'), 2, 'clusterset-dns doctor: first second; see clusterset-dns doctor --help\n'],
  ];
  for (const [name, command, e, code, line] of cases) {
    it(name, () => expect(errorLine(command, e)).to.deep.equal({ line, code }));
  }

  it('parseOrExit: the action named in the hint only when it is one', () => {
    let err = '';
    const io = { stdout: () => {}, stderr: (s: string) => { err += s; } };
    const parse = () => { throw new UsageError('bad'); };
    expect(parseOrExit('coredns', () => '', parse, ['status'], io, ['status'])).to.equal(2);
    expect(parseOrExit('coredns', () => '', parse, ['frob'], io, ['status'])).to.equal(2);
    expect(err).to.equal('clusterset-dns coredns status: bad; see clusterset-dns coredns status --help\nclusterset-dns coredns: bad; see clusterset-dns coredns --help\n');
  });
});
