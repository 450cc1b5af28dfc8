import { expect } from 'chai';
import {
  CorefileParseError,
  comments,
  directiveArgs,
  directiveBlock,
  parse,
  render,
  serverBlocks,
  serverKeys,
  type Corefile,
  type Directive,
  type ServerBlock,
} from './index.js';
import { FIXTURES, K3S, KUBEADM } from '../../../test/support/corefile/fixtures.js';

const values = (cf: Corefile): string[] => cf.tokens.map((t) => t.value);
const firstServer = (cf: Corefile): ServerBlock => {
  const s = serverBlocks(cf)[0];
  if (s === undefined) throw new Error('no server block');
  return s;
};
const byName = (ds: readonly Directive[], name: string): Directive => {
  const d = ds.find((x) => x.name.value === name);
  if (d === undefined) throw new Error(`no ${name}`);
  return d;
};

describe('corefile/parse', () => {
  describe('round trip', () => {
    for (const f of FIXTURES) {
      it(`render(parse(x)) === x for ${f.name}`, () => {
        expect(render(parse(f.corefile))).to.equal(f.corefile);
      });
    }
  });

  describe('lexer (coredns/caddy rules)', () => {
    const cases: { name: string; src: string; tokens: string[] }[] = [
      { name: 'words split on spaces and tabs', src: 'a b\tc', tokens: ['a', 'b', 'c'] },
      { name: 'a comment ends at the line break', src: 'a # b c\nd', tokens: ['a', 'd'] },
      // Caddy's lexer: a # glued to a word comments only up to the next blank (its
      // comment flag is per token); a # at the start of a word comments to the end
      // of the line. Both checked against CoreDNS v1.14.7.
      { name: '# glued to a word ends it, and comments only up to the next blank', src: 'foo#bar baz\nx', tokens: ['foo', 'baz', 'x'] },
      { name: '# glued with no blank after it comments to the end of the line', src: 'foo#bar\nx', tokens: ['foo', 'x'] },
      { name: '# at the start of a word comments to the end of the line', src: 'foo #bar baz\nx', tokens: ['foo', 'x'] },
      { name: 'quotes group words', src: '"a b" c', tokens: ['a b', 'c'] },
      { name: '\\" inside quotes is a quote, other backslashes stay', src: '"a\\"b\\n"', tokens: ['a"b\\n'] },
      { name: '# inside quotes is not a comment', src: '"a # b"', tokens: ['a # b'] },
      { name: 'a quote inside a word is literal', src: 'foo"bar baz"', tokens: ['foo"bar', 'baz"'] },
      { name: 'adjacent quoted strings are two tokens', src: '"a""b"', tokens: ['a', 'b'] },
      { name: 'empty quoted string is a token', src: '""', tokens: [''] },
      { name: 'env placeholders are single words', src: '.:{$PORT} {%WIN%}', tokens: ['.:{$PORT}', '{%WIN%}'] },
      { name: '{} glued to a word is a word', src: 'a{ }b', tokens: ['a{', '}b'] },
      { name: 'non-breaking space separates words (Go unicode.IsSpace)', src: 'a\u00a0b', tokens: ['a', 'b'] },
      { name: 'CRLF is a line break', src: 'a\r\nb', tokens: ['a', 'b'] },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const { tokens } = lexOnly(c.src);
        expect(tokens).to.deep.equal(c.tokens);
      });
    }

    it('classifies braces by value, as Caddy compares Val()', () => {
      const cf = parse('. {\n a "{"\n }\n}\n');
      expect(cf.tokens.map((t) => t.kind)).to.deep.equal(['word', 'open', 'word', 'open', 'close', 'close']);
    });

    it('keeps the byte order mark as trivia', () => {
      const cf = parse('\uFEFF.:53 {\n}\n');
      expect(cf.tokens[0]?.value).to.equal('.:53');
      expect(cf.tokens[0]?.leading).to.equal('\uFEFF');
    });

    it('splits trivia: same-line comment is trailing, the line break is leading', () => {
      const cf = parse('a # one\r\n  # two\r\n  b');
      expect(cf.tokens[0]?.trailing).to.equal(' # one');
      expect(cf.tokens[1]?.leading).to.equal('\r\n  # two\r\n  ');
    });

    it('tracks lines and columns, including quoted tokens spanning lines', () => {
      const cf = parse('a "x\ny" b\n  c');
      const [a, q, b, c] = cf.tokens;
      expect([a?.line, a?.column]).to.deep.equal([1, 1]);
      expect([q?.line, q?.endLine, q?.value]).to.deep.equal([1, 2, 'x\ny']);
      expect([b?.line, b?.column]).to.deep.equal([2, 4]);
      expect([c?.line, c?.column]).to.deep.equal([3, 3]);
    });
  });

  describe('structure', () => {
    it('parses kubeadm into one server block with nested blocks', () => {
      const cf = parse(KUBEADM);
      const s = firstServer(cf);
      expect(serverKeys(s)).to.deep.equal(['.:53']);
      expect(s.body.map((d) => d.name.value)).to.deep.equal([
        'errors', 'health', 'ready', 'kubernetes', 'prometheus', 'forward', 'cache', 'loop', 'reload', 'loadbalance',
      ]);
      const k = byName(s.body, 'kubernetes');
      expect(directiveArgs(k).map((t) => t.value)).to.deep.equal(['cluster.local', 'in-addr.arpa', 'ip6.arpa']);
      expect(directiveBlock(k)?.body.map((d) => d.name.value)).to.deep.equal(['pods', 'fallthrough', 'ttl']);
      const cache = byName(s.body, 'cache');
      expect(directiveBlock(cache)?.body.map((d) => directiveArgs(d).map((t) => t.value))).to.deep.equal([
        ['success', 'cluster.local'],
        ['denial', 'cluster.local'],
      ]);
    });

    it('parses top-level and in-block imports (k3s)', () => {
      const cf = parse(K3S);
      expect(cf.items.map((i) => i.kind)).to.deep.equal(['server', 'import']);
      const s = firstServer(cf);
      expect(directiveArgs(byName(s.body, 'import')).map((t) => t.value)).to.deep.equal(['/etc/coredns/custom/*.override']);
      expect(directiveBlock(byName(s.body, 'hosts'))?.body.map((d) => d.name.value)).to.deep.equal(['ttl', 'reload', 'fallthrough']);
    });

    it('parses snippets', () => {
      const cf = parse('(common) {\n  errors\n  log\n}\n.:53 {\n  import common\n}\n');
      const sn = cf.items[0];
      expect(sn?.kind).to.equal('snippet');
      if (sn?.kind === 'snippet') {
        expect(sn.name).to.equal('common');
        expect(sn.body.map((d) => d.name.value)).to.deep.equal(['errors', 'log']);
      }
    });

    it('accepts blocks opened and closed on one line inside a server block', () => {
      const cf = parse('.:53 {\n  health { lameduck 5s }\n  forward . 1.1.1.1 { max_concurrent 10 }\n}\n');
      const h = byName(firstServer(cf).body, 'health');
      expect(directiveBlock(h)?.body[0]?.name.value).to.equal('lameduck');
    });

    it('accepts several keys, a trailing comma continuing onto the next line, and schemes', () => {
      const cf = parse('cluster.local:53,\n  dns://.:53 tls://.:853 {\n}\n');
      expect(serverKeys(firstServer(cf))).to.deep.equal(['cluster.local:53', 'dns://.:53', 'tls://.:853']);
    });

    it('accepts the server block brace on the next line', () => {
      const s = firstServer(parse('.:53\n{\n  errors\n}\n'));
      expect(s.open?.line).to.equal(2);
      expect(s.body.map((d) => d.name.value)).to.deep.equal(['errors']);
    });

    it('accepts the brace-less single server form', () => {
      const s = firstServer(parse('.:53\nerrors\nforward . 1.1.1.1\n'));
      expect(s.open).to.equal(null);
      expect(s.body.map((d) => d.name.value)).to.deep.equal(['errors', 'forward']);
    });

    it('accepts empty input, comments only, and a keys-only line', () => {
      expect(parse('').items).to.have.length(0);
      expect(parse('# nothing\n\n').items).to.have.length(0);
      expect(serverKeys(firstServer(parse('.:53')))).to.deep.equal(['.:53']);
    });

    it('lists comments with their lines', () => {
      const cf = parse('# top\n.:53 { # open\n  errors\n  # inside\n} # end');
      expect(comments(cf)).to.deep.equal([
        { line: 1, text: '# top' },
        { line: 2, text: '# open' },
        { line: 4, text: '# inside' },
        { line: 5, text: '# end' },
      ]);
    });
  });

  describe('errors a human can act on', () => {
    const cases: { name: string; src: string; line: number; column: number; match: RegExp }[] = [
      { name: 'unclosed server block', src: '.:53 {\n  errors\n', line: 1, column: 6, match: /never closed/ },
      { name: 'unclosed directive block', src: '.:53 {\n  health {\n    lameduck 5s\n', line: 2, column: 10, match: /never closed/ },
      { name: 'stray closing brace', src: '}\n', line: 1, column: 1, match: /no matching '\{'/ },
      { name: 'closing brace on a directive line', src: '.:53 {\n  errors }\n', line: 2, column: 10, match: /own line/ },
      { name: 'block opening on its own line', src: '.:53 {\n  health\n  {\n  }\n}\n', line: 3, column: 3, match: /same line/ },
      { name: 'unterminated quote', src: '.:53 {\n  forward . "/etc/resolv.conf\n}\n', line: 2, column: 13, match: /never closed/ },
      { name: 'lone carriage return', src: '.:53 {\r  errors\n}\n', line: 1, column: 7, match: /carriage return/ },
      { name: 'import without argument', src: '.:53 {\n  import\n}\n', line: 2, column: 3, match: /exactly one argument/ },
      { name: 'import with two arguments', src: 'import a b\n', line: 1, column: 1, match: /exactly one argument/ },
      { name: 'trailing comma then brace', src: '.:53, {\n}\n', line: 1, column: 7, match: /extra comma/ },
      { name: 'block with no address', src: '{\n}\n', line: 1, column: 1, match: /address/ },
      { name: 'snippet without brace', src: '(snip)\n', line: 1, column: 1, match: /snippet/ },
      { name: 'brace-less block followed by }', src: '.:53\nerrors\n}\n', line: 3, column: 1, match: /no opening/ },
    ];
    for (const c of cases) {
      it(c.name, () => {
        let caught: unknown;
        try {
          parse(c.src);
        } catch (e) {
          caught = e;
        }
        expect(caught).to.be.instanceOf(CorefileParseError);
        const e = caught as CorefileParseError;
        expect([e.line, e.column], e.message).to.deep.equal([c.line, c.column]);
        expect(e.message).to.match(c.match);
        expect(e.message).to.match(/^Corefile line \d+, column \d+: /);
      });
    }
  });
});

function lexOnly(src: string): { tokens: string[] } {
  // The lexer is internal; a brace-less single "directive" line exercises it through parse.
  return { tokens: values(parse('x\n' + src)).slice(1) };
}
