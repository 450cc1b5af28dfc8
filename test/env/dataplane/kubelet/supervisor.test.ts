import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerRuntime } from './pod-status.js';
import type { ContainerPlan, PodPlan } from './run-plan.js';
import { PodProcesses, restartBackoffMs } from './supervisor.js';
import { alive, until as untilValue } from './test-support.js';

// Plain host processes (no namespace): what is under test is the supervision, not the network.
const container = (name: string, script: string, extra: Partial<ContainerPlan> = {}): ContainerPlan => ({
  name, image: 'none', argv: ['sh', '-c', script], env: { PATH: process.env['PATH'] ?? '', GREETING: 'hi' }, ...extra,
});

const until = (what: string, ok: () => boolean, timeoutMs?: number) => untilValue(what, () => (ok() ? true : undefined), timeoutMs);

describe('process kubelet: process supervisor', function () {
  this.timeout(15_000);
  let dir: string;
  let pods: PodProcesses[] = [];
  const make = (plan: PodPlan) => {
    const p = new PodProcesses(plan, dir, () => undefined, () => undefined);
    pods.push(p);
    p.start();
    return p;
  };
  const state = (p: PodProcesses, i = 0): ContainerRuntime => p.runtimes[i] as ContainerRuntime;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'csdnst-supervisor-'));
    pods = [];
  });
  afterEach(async () => {
    await Promise.all(pods.map((p) => p.stop(0)));
    rmSync(dir, { recursive: true, force: true });
  });

  it('backs off 1, 2, 4 … 10 s between restarts', () => {
    expect([0, 1, 2, 3, 4, 9].map(restartBackoffMs)).to.deep.equal([1000, 2000, 4000, 8000, 10000, 10000]);
  });

  it('runs a container with its env, logs its output, and reports its exit when it is not restarted', async () => {
    const p = make({ podNs: 'x', restartPolicy: 'Never', containers: [container('c', 'echo $GREETING; exit 3')] });
    await until('exit', () => state(p).done);
    expect(state(p).state).to.deep.include({ kind: 'terminated' });
    const s = state(p).state;
    expect(s.kind === 'terminated' && s.terminated.exitCode).to.equal(3);
    expect(readFileSync(join(dir, 'c.log'), 'utf8')).to.equal('hi\n');
  });

  it('restarts a failed container under OnFailure, counting restarts, and lets it finish', async () => {
    // Fails on the first run, succeeds on the second (the marker file survives).
    const marker = () => join(dir, 'ran');
    const p = make({ podNs: 'x', restartPolicy: 'OnFailure', containers: [container('c', `if [ -e ${marker()} ]; then exit 0; fi; touch ${marker()}; exit 1`)] });
    await until('second run done', () => state(p).done);
    expect(state(p).restartCount).to.equal(1);
    expect(state(p).lastTerminated?.exitCode).to.equal(1);
  });

  it('is ready at once without a probe, and only after its exec probe passes with one', async () => {
    const flag = join(dir, 'ready');
    const probe = { argv: ['test', '-e', flag], initialDelayMs: 0, periodMs: 100, timeoutMs: 1000, successThreshold: 1, failureThreshold: 1 };
    const p = make({ podNs: 'x', restartPolicy: 'Always', containers: [container('plain', 'sleep 30'), container('probed', 'sleep 30', { readiness: probe })] });
    await until('running', () => state(p, 0).state.kind === 'running' && state(p, 1).state.kind === 'running');
    expect(state(p, 0).ready).to.equal(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(state(p, 1).ready).to.equal(false);
    writeFileSync(flag, '');
    await until('probe passes', () => state(p, 1).ready);
    rmSync(flag);
    await until('probe fails', () => !state(p, 1).ready);
  });

  it('stops a container that ignores SIGTERM with SIGKILL after the grace period, with its children', async () => {
    const childPid = join(dir, 'child.pid');
    const p = make({ podNs: 'x', restartPolicy: 'Always', containers: [container('stubborn', `trap '' TERM; sleep 30 & echo $! > ${childPid}; wait`)] });
    await until('the child started', () => existsSync(childPid) && readFileSync(childPid, 'utf8').endsWith('\n'));
    const started = Date.now();
    await p.stop(500);
    const took = Date.now() - started;
    expect(took).to.be.within(400, 3000);
    expect(state(p).done).to.equal(true);
    const s = state(p).state;
    expect(s.kind === 'terminated' && [s.terminated.signal, s.terminated.exitCode]).to.deep.equal(['SIGKILL', 137]);
    await until('the child to be gone', () => !alive(Number(readFileSync(childPid, 'utf8'))), 2000);
  });
});
