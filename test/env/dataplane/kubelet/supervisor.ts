/**
 * Runs one pod's containers as host processes in the pod's network
 * namespace: starts them, restarts them as the restart policy says (with a
 * short back-off), probes their readiness, and stops them on request. It
 * records what happens as ContainerRuntime values for pod-status.ts, and
 * calls `onChange` whenever one of them changes.
 *
 * Each process leads its own process group (`detached`), so stopping it
 * reaches whatever it started, as stopping a container does.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { removePidFile, writePidFile } from './orphans.js';
import { afterProbe, kubeTime, NOT_READY, restarts, type ContainerRuntime, type ReadinessState } from './pod-status.js';
import type { ContainerPlan, PodPlan } from './run-plan.js';

/** Back-off before restart n: 1 s, 2 s, 4 s … capped at 10 s (the kubelet's 10 s … 5 min would stall tests). */
export const restartBackoffMs = (restartCount: number) => Math.min(1000 * 2 ** restartCount, 10_000);

type Log = (msg: string, extra?: Record<string, unknown>) => void;

class ContainerProcess {
  runtime: ContainerRuntime;
  private child: ChildProcess | undefined;
  private readiness: ReadinessState = NOT_READY;
  private timers = new Set<NodeJS.Timeout>();
  private stopping = false;
  private exited: Promise<void> = Promise.resolve();
  /** Beside the log: what the next kubelet kills if this one dies without stopping its pods (orphans.ts). */
  private readonly pidPath: string;

  constructor(
    private readonly plan: ContainerPlan,
    private readonly restartPolicy: PodPlan['restartPolicy'],
    private readonly logPath: string,
    private readonly onChange: () => void,
    private readonly log: Log,
  ) {
    this.pidPath = logPath.replace(/\.log$/, '.pid');
    this.runtime = { name: plan.name, image: plan.image, restartCount: 0, state: { kind: 'waiting', reason: 'ContainerCreating' }, ready: false, done: false };
  }

  start(): void {
    if (this.stopping) return;
    const [bin, ...args] = this.plan.argv;
    const out = openSync(this.logPath, 'a');
    let child: ChildProcess;
    try {
      child = spawn(bin ?? 'false', args, { env: this.plan.env, cwd: this.plan.cwd, detached: true, stdio: ['ignore', out, out] });
    } finally {
      closeSync(out);
    }
    this.child = child;
    if (child.pid !== undefined) writePidFile(this.pidPath, child.pid);
    const startedAt = kubeTime(new Date());
    this.exited = new Promise((resolve) => {
      // 'error' alone (spawn itself failed, e.g. a missing cwd) never gets an 'exit'.
      child.on('error', (e) => {
        if (child.pid === undefined) this.onExit(startedAt, 128, null, e.message).finally(resolve);
      });
      // A signal's death is exit code 128 + its number, as a container runtime reports it.
      child.on('exit', (code, signal) => void this.onExit(startedAt, code ?? 128 + (signal ? constants.signals[signal] : 0), signal).finally(resolve));
    });
    this.runtime = { ...this.runtime, state: { kind: 'running', startedAt }, ready: !this.plan.readiness, done: false };
    this.readiness = NOT_READY;
    this.log('container started', { container: this.plan.name, pid: child.pid });
    if (this.plan.readiness) this.later(() => this.probe(child), this.plan.readiness.initialDelayMs);
    this.onChange();
  }

  private async onExit(startedAt: string, exitCode: number, signal: NodeJS.Signals | null, error?: string): Promise<void> {
    const terminated = {
      exitCode,
      ...(signal ? { signal } : {}),
      reason: exitCode === 0 && !signal ? 'Completed' : 'Error',
      startedAt,
      finishedAt: kubeTime(new Date()),
    };
    this.log('container exited', { container: this.plan.name, exitCode, signal, ...(error ? { error } : {}) });
    removePidFile(this.pidPath);
    this.child = undefined;
    if (!this.stopping && restarts(this.restartPolicy, exitCode)) {
      const wait = restartBackoffMs(this.runtime.restartCount);
      this.runtime = {
        ...this.runtime,
        state: { kind: 'waiting', reason: 'CrashLoopBackOff', message: `back-off ${wait / 1000}s restarting failed container=${this.plan.name}` },
        lastTerminated: terminated,
        ready: false,
      };
      this.later(() => {
        this.runtime = { ...this.runtime, restartCount: this.runtime.restartCount + 1 };
        this.start();
      }, wait);
    } else {
      this.runtime = { ...this.runtime, state: { kind: 'terminated', terminated }, ready: false, done: true };
    }
    this.onChange();
  }

  private probe(child: ChildProcess): void {
    const probe = this.plan.readiness;
    if (!probe || this.stopping || this.child !== child) return;
    const [bin, ...args] = probe.argv;
    execFile(bin ?? 'false', args, { env: this.plan.env, timeout: probe.timeoutMs, killSignal: 'SIGKILL' }, (err) => {
      if (this.stopping || this.child !== child) return;
      const before = this.readiness.ready;
      this.readiness = afterProbe(this.readiness, !err, probe);
      if (this.readiness.ready !== before) {
        this.runtime = { ...this.runtime, ready: this.readiness.ready };
        this.log('readiness changed', { container: this.plan.name, ready: this.readiness.ready });
        this.onChange();
      }
      this.later(() => this.probe(child), probe.periodMs);
    });
  }

  private later(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  /** SIGTERM to the process group, SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const pid = this.child?.pid;
    if (pid === undefined) return;
    signalGroup(pid, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.exited, new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    // Also after a clean exit: children it left behind in its group go with it.
    signalGroup(pid, 'SIGKILL');
    await this.exited;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

export class PodProcesses {
  private readonly containers: ContainerProcess[];

  constructor(plan: PodPlan, logDir: string, onChange: () => void, log: Log) {
    mkdirSync(logDir, { recursive: true });
    this.containers = plan.containers.map((c) => new ContainerProcess(c, plan.restartPolicy, join(logDir, `${c.name}.log`), onChange, log));
  }

  start(): void {
    for (const c of this.containers) c.start();
  }

  get runtimes(): ContainerRuntime[] {
    return this.containers.map((c) => c.runtime);
  }

  stop(graceMs: number): Promise<void> {
    return Promise.all(this.containers.map((c) => c.stop(graceMs))).then(() => undefined);
  }
}
