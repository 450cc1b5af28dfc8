/**
 * Starting, watching and stopping the local environment's processes. Each
 * process runs detached in its own process group, logs to its own file, and
 * is recorded by PID so `down` (or another shell) can stop it later.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { createServer, connect } from 'node:net';

export interface ProcessSpec {
  name: string;
  bin: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
}

export interface ProcessInfo {
  name: string;
  pid: number;
  log: string;
  command: string[];
}

export function startProcess(spec: ProcessSpec, log: string): ProcessInfo {
  const fd = openSync(log, 'a');
  try {
    const child = spawn(spec.bin, spec.args, {
      detached: true, // own process group: survives the parent, killed as a group
      stdio: ['ignore', fd, fd],
      env: { ...process.env, ...spec.env },
      cwd: spec.cwd,
    });
    if (child.pid === undefined) throw new Error(`could not start ${spec.name} (${spec.bin})`);
    child.unref();
    return { name: spec.name, pid: child.pid, log, command: [spec.bin, ...spec.args] };
  } finally {
    closeSync(fd);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (exited, not yet reaped by its parent) still answers kill(0).
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return true;
  }
}

/** SIGTERM to the process group, then SIGKILL after `graceMs`. */
export async function stopProcess(pid: number, graceMs = 10_000): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  if (!isAlive(pid)) return;
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await delay(100);
  if (isAlive(pid)) {
    signal('SIGKILL');
    while (isAlive(pid)) await delay(50);
  }
}

export function tailLog(path: string, lines = 30): string {
  if (!existsSync(path)) return '(no log file)';
  const all = readFileSync(path, 'utf8').trimEnd().split('\n');
  return all.slice(-lines).join('\n');
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export class StartupError extends Error {}

/**
 * Polls `check` until it returns true. Fails early, with the tail of the log,
 * when the process it waits for has exited — so a failed start names the
 * component and shows why.
 */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  opts: { timeoutMs: number; intervalMs?: number; proc?: ProcessInfo | undefined },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (e) {
      lastError = e;
    }
    if (opts.proc && !isAlive(opts.proc.pid)) {
      throw new StartupError(`${opts.proc.name} exited while waiting for ${what}. Last lines of ${opts.proc.log}:\n${tailLog(opts.proc.log)}`);
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      const log = opts.proc ? `\nLast lines of ${opts.proc.log}:\n${tailLog(opts.proc.log)}` : '';
      throw new StartupError(`timed out after ${opts.timeoutMs / 1000}s waiting for ${what}${detail}${log}`);
    }
    await delay(opts.intervalMs ?? 250);
  }
}

/** Ports the OS says are free now. */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<ReturnType<typeof createServer>>((res, rej) => {
      const s = createServer();
      s.once('error', rej);
      s.listen(0, '127.0.0.1', () => res(s));
    })),
  );
  const ports = servers.map((s) => {
    const a = s.address();
    if (a === null || typeof a === 'string') throw new Error('unexpected server address');
    return a.port;
  });
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((res) => {
    const sock = connect({ host: '127.0.0.1', port });
    sock.once('connect', () => {
      // Our ports come from the ephemeral range, so a connect to a port nobody
      // listens on can, rarely, pick that very port as its source and connect
      // to itself (TCP simultaneous open). That is not a listener.
      const self = sock.localPort === port;
      sock.destroy();
      res(!self);
    });
    sock.once('error', () => res(false));
  });
}

/**
 * Who listens on a loopback TCP port, from /proc (Linux): "pid 123 (kube-apiserver)",
 * or undefined when nobody does or it cannot be told. For error messages only.
 */
export function portHolder(port: number): string | undefined {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is ADDR:PORT in hex; state 0A is LISTEN; inode is field 9.
      if (f[1]?.endsWith(`:${hex}`) && f[3] === '0A' && f[9]) inodes.add(f[9]);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target = '';
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m?.[1] && inodes.has(m[1])) {
        let comm = '?';
        try {
          comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
        } catch {
          /* gone meanwhile */
        }
        return `pid ${pid} (${comm})`;
      }
    }
  }
  return 'a socket with no visible owner';
}

/** RSS of a process in bytes (from /proc), or undefined when it is gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
