/** The flags of bench/clusterset-dns.ts (its header comment, which --help prints, documents them). */
import { join } from 'node:path';
import { repoRoot } from '../../test/env/binaries.js';

/** How the controller runs: `node --import tsx` on src/, or the compiled build under plain node. */
export type ControllerBuild = 'tsx' | 'dist';

export interface Flags {
  n: number;
  namespaces: number;
  concurrency: number;
  idleSeconds: number;
  trickle: number;
  floorSamples: number;
  karmadaFloorSamples: number;
  probes: number;
  policy: 'shared' | 'per-import';
  fillTimeout: number;
  /** How long a cold start waits for every pair; the phase then reports what was filled by then. */
  coldTimeout: number;
  restartSeconds: number;
  /** The auto-import phase: how many ServiceExports, and how many created per second. */
  exports: number;
  exportRate: number;
  controller: ControllerBuild;
  phases: string[];
  keep: boolean;
  allowOtherControllers: boolean;
  controllerArgs: string[];
  out: string;
}

/** Parses `--name=value` flags; on --help writes `help()` to stdout and exits. */
export function parseFlags(argv: string[], help: () => string): Flags {
  const kv = new Map<string, string>();
  const controllerArgs: string[] = [];
  for (const a of argv) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unexpected argument ${a}`);
    if (m[1] === 'controller-arg') controllerArgs.push(m[2] ?? '');
    else kv.set(m[1] as string, m[2] ?? 'true');
  }
  const known = ['n', 'namespaces', 'concurrency', 'idle-seconds', 'trickle', 'floor-samples', 'karmada-floor-samples', 'probes', 'policy', 'fill-timeout', 'cold-timeout', 'restart-seconds', 'exports', 'export-rate', 'controller', 'phases', 'keep', 'allow-other-controllers', 'out', 'help'];
  for (const k of kv.keys()) if (!known.includes(k)) throw new Error(`unknown flag --${k} (known: ${known.join(', ')}, controller-arg)`);
  if (kv.has('help')) {
    process.stdout.write(help());
    process.exit(0);
  }
  const int = (k: string, d: number, min = 0, max = 100_000) => {
    const v = Number(kv.get(k) ?? d);
    if (!Number.isInteger(v) || v < min || v > max) throw new Error(`--${k} must be an integer in [${min}, ${max}]`);
    return v;
  };
  const policy = kv.get('policy') ?? 'shared';
  if (policy !== 'shared' && policy !== 'per-import') throw new Error('--policy must be shared or per-import');
  const n = int('n', 100, 1, 5000);
  const controller = kv.get('controller') ?? 'tsx';
  if (controller !== 'tsx' && controller !== 'dist') throw new Error('--controller must be tsx or dist');
  const fillTimeout = int('fill-timeout', 1200, 10, 7200);
  return {
    n,
    namespaces: int('namespaces', 1, 1, 100),
    concurrency: int('concurrency', 16, 1, 128),
    idleSeconds: int('idle-seconds', 300, 0, 3600),
    trickle: int('trickle', 30, 0, 1000),
    floorSamples: int('floor-samples', 100, 1, 10_000),
    karmadaFloorSamples: int('karmada-floor-samples', 30, 1, 1000),
    probes: int('probes', 3, 1, 50),
    policy,
    fillTimeout,
    coldTimeout: int('cold-timeout', fillTimeout, 10, 7200),
    restartSeconds: int('restart-seconds', 30, 1, 600),
    exports: int('exports', 200, 1, 5000),
    exportRate: int('export-rate', 20, 1, 500),
    controller,
    phases: (kv.get('phases') ?? 'floors,burst,idle,trickle,restart,cold').split(',').filter(Boolean),
    keep: kv.get('keep') === 'true',
    allowOtherControllers: kv.get('allow-other-controllers') === 'true',
    controllerArgs,
    out: kv.get('out') ?? join(repoRoot, 'bench', 'results'),
  };
}
