import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killOrphans, startTimeOf, writePidFile } from './orphans.js';
import { alive, until } from './test-support.js';

describe('process kubelet: orphaned pod processes', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'csdnst-orphans-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the start time from a stat line, even with spaces and parentheses in the name', () => {
    const rest = 'S 1 100 100 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 987654 1000 10';
    expect(startTimeOf(`4242 (sleep) ${rest}`)).to.equal('987654');
    expect(startTimeOf(`4242 (my (odd) proc) ${rest}`)).to.equal('987654');
  });

  it('kills a recorded process group that still runs, and not a pid recorded with another start time', async () => {
    const pod = join(dir, 'demo_web_abcdef12');
    mkdirSync(pod);
    const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    const bystander = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    try {
      const pid = child.pid ?? 0;
      const other = bystander.pid ?? 0;
      writePidFile(join(pod, 'web.pid'), pid);
      // A pid file from before a reboot: the pid is now someone else's process.
      writeFileSync(join(pod, 'old.pid'), `${other} 1\n`);
      expect(killOrphans(dir)).to.deep.equal([pid]);
      await until('the orphan to die', () => (child.exitCode !== null || child.signalCode !== null ? true : undefined));
      expect(alive(other)).to.equal(true);
      expect(existsSync(join(pod, 'web.pid')) || existsSync(join(pod, 'old.pid'))).to.equal(false);
    } finally {
      child.kill('SIGKILL');
      bystander.kill('SIGKILL');
    }
  });

  it('finds nothing where nothing was recorded', () => {
    expect(killOrphans(join(dir, 'absent'))).to.deep.equal([]);
  });
});
