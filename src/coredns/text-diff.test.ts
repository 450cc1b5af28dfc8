import { expect } from 'chai';
import { KUBEADM_COREFILE } from '../../test/env/manifests.js';
import { planInstall } from './corefile/index.js';
import { applyHunks, diffLines, formatUnifiedDiff } from './text-diff.js';

const lines = (n: number, from = 1) => Array.from({ length: n }, (_, k) => `l${k + from}`).join('\n') + '\n';

describe('text-diff: unified diff of two texts', () => {
  const cases: Array<{ name: string; before: string; after: string; want: string }> = [
    { name: 'equal texts: no hunks', before: 'a\nb\n', after: 'a\nb\n', want: '' },
    { name: 'one line changed: - then +, with up to 3 lines of context', before: lines(9), after: lines(9).replace('l5\n', 'L5\n'), want: '@@ -2,7 +2,7 @@\n l2\n l3\n l4\n-l5\n+L5\n l6\n l7\n l8\n' },
    { name: 'a line added at the top', before: 'a\nb\n', after: 'x\na\nb\n', want: '@@ -1,2 +1,3 @@\n+x\n a\n b\n' },
    { name: 'the last line removed', before: 'a\nb\nc\n', after: 'a\nb\n', want: '@@ -1,3 +1,2 @@\n a\n b\n-c\n' },
    { name: 'from empty: the old side is numbered 0,0', before: '', after: 'a\n', want: '@@ -0,0 +1 @@\n+a\n' },
    { name: 'to empty', before: 'a\n', after: '', want: '@@ -1 +0,0 @@\n-a\n' },
    { name: 'a missing final newline is a change of its own', before: 'a\nb', after: 'a\nb\n', want: '@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n' },
    { name: 'CRLF lines keep their \\r', before: 'a\r\nb\r\n', after: 'a\r\nc\r\n', want: '@@ -1,2 +1,2 @@\n a\r\n-b\r\n+c\r\n' },
    { name: 'two changes far apart: two hunks', before: lines(20), after: lines(20).replace('l2\n', 'X\n').replace('l18\n', 'Y\n'), want: '@@ -1,5 +1,5 @@\n l1\n-l2\n+X\n l3\n l4\n l5\n@@ -15,6 +15,6 @@\n l15\n l16\n l17\n-l18\n+Y\n l19\n l20\n' },
    { name: 'two changes whose contexts touch: one hunk', before: lines(12), after: lines(12).replace('l3\n', 'X\n').replace('l10\n', 'Y\n'), want: '@@ -1,12 +1,12 @@\n l1\n l2\n-l3\n+X\n l4\n l5\n l6\n l7\n l8\n l9\n-l10\n+Y\n l11\n l12\n' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const hunks = diffLines(c.before, c.after);
      expect(formatUnifiedDiff(hunks, 'a', 'b').replace(/^--- a\n\+\+\+ b\n/, '')).to.equal(c.want);
      expect(applyHunks(c.before, hunks), 'the hunks turn before into after').to.equal(c.after);
    });
  }

  it('the install of the clusterset stanza on kubeadm\'s Corefile: only the kubernetes block\'s lines, and applying it gives the installed Corefile', () => {
    const after = (planInstall(KUBEADM_COREFILE, { flavor: 'in-tree' }) as { corefile: string }).corefile;
    const hunks = diffLines(KUBEADM_COREFILE, after);
    expect(hunks).to.have.length(1);
    const changed = hunks[0]!.lines.filter((l) => l.startsWith('+') || l.startsWith('-'));
    expect(changed.length).to.be.greaterThan(0);
    expect(changed.filter((l) => l.startsWith('+')).every((l) => l.includes('# clusterset-dns'))).to.equal(true);
    expect(applyHunks(KUBEADM_COREFILE, hunks)).to.equal(after);
  });

  it('applyHunks refuses hunks made from another text', () => {
    const hunks = diffLines('a\nb\n', 'a\nc\n');
    expect(() => applyHunks('a\nz\n', hunks)).to.throw(/does not apply/);
  });

  it('formatUnifiedDiff prints the labels, and nothing at all for no hunks', () => {
    expect(formatUnifiedDiff([], 'x', 'y')).to.equal('');
    expect(formatUnifiedDiff(diffLines('a\n', 'b\n'), 'old', 'new')).to.equal('--- old\n+++ new\n@@ -1 +1 @@\n-a\n+b\n');
  });
});
