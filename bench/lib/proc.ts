/** CPU time and memory of processes, from /proc (Linux only). */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

let clkTck: number | undefined;
function ticksPerSecond(): number {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/** utime + stime of one process, in seconds; undefined when it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may contain spaces) start after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // rest[0] is field 3 (state); utime is field 14, stime field 15.
    return (Number(rest[11]) + Number(rest[12])) / ticksPerSecond();
  } catch {
    return undefined;
  }
}

/** Machine-wide CPU seconds (all cores) from /proc/stat: busy and idle. */
export function machineCpu(): { busy: number; idle: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = v;
  const t = ticksPerSecond();
  return { busy: (user + nice + system + irq + softirq + steal) / t, idle: (idle + iowait) / t };
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export const rssMiB = (pid: number) => { const kb = statusKb(pid, 'VmRSS'); return kb === undefined ? undefined : kb / 1024; };
export const hwmMiB = (pid: number) => { const kb = statusKb(pid, 'VmHWM'); return kb === undefined ? undefined : kb / 1024; };

/** Direct and indirect children of `pid` (by scanning /proc, bounded to one pass). */
export function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(d), ppid);
    } catch {
      /* gone */
    }
  }
  const out: number[] = [];
  const frontier = [pid];
  for (let guard = 0; frontier.length > 0 && guard < 10_000; guard++) {
    const p = frontier.pop() as number;
    for (const [c, pp] of parent) if (pp === p) { out.push(c); frontier.push(c); }
  }
  return out;
}

export function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** PIDs of other `clusterset-dns run` processes (they would reconcile our objects too). */
export function otherControllers(except: number[] = []): Array<{ pid: number; cmd: string }> {
  const out: Array<{ pid: number; cmd: string }> = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const pid = Number(d);
    if (except.includes(pid) || pid === process.pid) continue;
    const cmd = commandOf(pid);
    if (/src\/cmd\/main\.ts run|clusterset-dns(\.js)? run/.test(cmd)) out.push({ pid, cmd });
  }
  return out;
}

/** Samples RSS of a process (and its descendants) every `intervalMs`; keeps the maxima. */
export class RssSampler {
  maxRssMiB = 0;
  maxTreeRssMiB = 0;
  samples = 0;
  private timer: NodeJS.Timeout | undefined;
  private tick = 0;
  private kids: number[] = [];

  constructor(private readonly pid: number, private readonly intervalMs = 250) {}

  start(): this {
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    this.sample();
    return this;
  }

  sample(): void {
    const own = rssMiB(this.pid);
    if (own === undefined) return;
    // Re-scan children every ~5 s (a /proc scan is not free).
    if (this.tick++ % Math.max(1, Math.round(5000 / this.intervalMs)) === 0) this.kids = descendants(this.pid);
    const tree = own + this.kids.reduce((a, k) => a + (rssMiB(k) ?? 0), 0);
    this.samples++;
    this.maxRssMiB = Math.max(this.maxRssMiB, own);
    this.maxTreeRssMiB = Math.max(this.maxTreeRssMiB, tree);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.sample();
  }
}

/** Other Kubernetes/Karmada processes on this machine (another environment, a test's API server): they compete for the CPU. */
export function foreignClusterProcesses(known: number[]): Array<{ pid: number; cmd: string }> {
  const out: Array<{ pid: number; cmd: string }> = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const pid = Number(d);
    if (known.includes(pid)) continue;
    const cmd = commandOf(pid);
    if (/\/(kube-apiserver|etcd|karmada-[a-z-]+|kube-controller-manager|coredns) /.test(`${cmd} `)) out.push({ pid, cmd: cmd.slice(0, 160) });
  }
  return out;
}
