/**
 * The pure part of bench/member-size.ts: its flags, the filler objects it
 * puts in member1 (Services and EndpointSlices no import refers to), and the
 * table it prints. The objects are shaped like a real cluster's, so that
 * what the API server sends (list pages, watch events) is as large as it
 * would be there: labels, two ports, and per endpoint the addresses,
 * conditions, targetRef, nodeName and zone the EndpointSlice controller
 * writes.
 */
import { join } from 'node:path';
import { repoRoot } from '../../test/env/binaries.js';
import type { KubeObj } from './api.js';

/** On every filler object and namespace, so --cleanup finds them all. */
export const FILLER_LABEL = 'bench.clusterset-dns/member-size';
/** The slices' manager: not the EndpointSlice controller's, so member1's kube-controller-manager leaves them alone. */
export const FILLER_SLICE_MANAGER = 'bench.clusterset-dns';
/** The demo imports' namespace in the control plane (Karmada puts it in both members). */
export const DEMO_NAMESPACE = 'cdns-member-size';
/** member1's service CIDR is 10.97.0.0/16: leave room for the Services that are already there. */
export const MAX_SERVICES = 60_000;

export type MemberSizePhase = 'floor' | 'fill' | 'filled';
const PHASES: readonly MemberSizePhase[] = ['floor', 'fill', 'filled'];

export interface MemberSizeFlags {
  /** Filler Services in member1. */
  services: number;
  /** Filler EndpointSlices in member1, spread evenly over the Services. */
  slices: number;
  endpointsPerSlice: number;
  /** Namespaces the filler is spread over. */
  namespaces: number;
  /** Creates in flight. */
  concurrency: number;
  /** Demo imports; the first uses local-first, so the controller watches EndpointSlices. */
  imports: number;
  /** How long to sample after the controller has caught up, before reading its memory. */
  settleSeconds: number;
  /** How long a measurement waits for the controller to catch up. */
  timeoutSeconds: number;
  phases: MemberSizePhase[];
  cleanup: boolean;
  allowOtherControllers: boolean;
  out: string;
}

export const MEMBER_SIZE_HELP = `npx tsx bench/member-size.ts [flags]      (npm run bench:member-size -- [flags])

  --services=20000        filler Services in member1 (ClusterIP, no selector; at most ${MAX_SERVICES})
  --slices=60000          filler EndpointSlices in member1, spread evenly over the Services
  --endpoints-per-slice=3
  --namespaces=4          member1 namespaces the filler is spread over
  --concurrency=32        creates in flight
  --imports=4             demo imports in the control plane; the first uses local-first
  --settle-seconds=60     sampling after the controller caught up, before memory is read
  --timeout-seconds=900   how long a measurement waits for the controller to catch up
  --phases=floor,fill,filled
                          floor: the controller without the filler (refused while filler exists);
                          fill: create what is missing of the filler; filled: the controller with it
  --cleanup               delete the filler and the demo namespace, wait until gone, and exit
  --allow-other-controllers
  --out=bench/results
`;

/** Parses `--name=value` flags; `help` is set when --help was given (nothing else is checked then). */
export function parseMemberSizeFlags(argv: readonly string[]): MemberSizeFlags | 'help' {
  const kv = new Map<string, string>();
  for (const a of argv) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unexpected argument ${a}`);
    kv.set(m[1] as string, m[2] ?? 'true');
  }
  if (kv.has('help')) return 'help';
  const known = ['services', 'slices', 'endpoints-per-slice', 'namespaces', 'concurrency', 'imports', 'settle-seconds', 'timeout-seconds', 'phases', 'cleanup', 'allow-other-controllers', 'out'];
  for (const k of kv.keys()) if (!known.includes(k)) throw new Error(`unknown flag --${k} (known: ${known.join(', ')})`);
  const int = (k: string, d: number, min: number, max: number) => {
    const v = Number(kv.get(k) ?? d);
    if (!Number.isInteger(v) || v < min || v > max) throw new Error(`--${k} must be an integer in [${min}, ${max}]`);
    return v;
  };
  const phases = (kv.get('phases') ?? PHASES.join(',')).split(',').filter(Boolean);
  for (const p of phases) if (!PHASES.includes(p as MemberSizePhase)) throw new Error(`--phases: unknown phase ${p} (known: ${PHASES.join(', ')})`);
  const services = int('services', 20_000, 1, MAX_SERVICES);
  const slices = int('slices', 60_000, 0, 500_000);
  const endpointsPerSlice = int('endpoints-per-slice', 3, 1, 100);
  if (slices * endpointsPerSlice > 2 ** 22) throw new Error(`--slices × --endpoints-per-slice must be at most ${2 ** 22} (distinct pod addresses)`);
  return {
    services,
    slices,
    endpointsPerSlice,
    namespaces: int('namespaces', 4, 1, 100),
    concurrency: int('concurrency', 32, 1, 128),
    imports: int('imports', 4, 1, 100),
    settleSeconds: int('settle-seconds', 60, 0, 3600),
    timeoutSeconds: int('timeout-seconds', 900, 10, 7200),
    phases: phases as MemberSizePhase[],
    cleanup: kv.get('cleanup') === 'true',
    allowOtherControllers: kv.get('allow-other-controllers') === 'true',
    out: kv.get('out') ?? join(repoRoot, 'bench', 'results'),
  };
}

/** One filler Service and how many slices it gets. */
export interface FillerService {
  namespace: string;
  name: string;
  slices: number;
  endpointsPerSlice: number;
  /** The number of its first endpoint among all the filler's: every pod address is distinct (podAddress). */
  firstEndpoint: number;
}

export const fillerNamespaceNames = (f: Pick<MemberSizeFlags, 'namespaces'>) => Array.from({ length: f.namespaces }, (_, i) => `cdns-filler-${i}`);

/** Every filler Service, round-robin over the namespaces; the slices spread so counts differ by at most one. */
export function fillerPlan(f: Pick<MemberSizeFlags, 'services' | 'slices' | 'namespaces' | 'endpointsPerSlice'>): FillerService[] {
  const namespaces = fillerNamespaceNames(f);
  const base = Math.floor(f.slices / f.services);
  const extra = f.slices % f.services;
  let firstEndpoint = 0;
  return Array.from({ length: f.services }, (_, i) => {
    const slices = base + (i < extra ? 1 : 0);
    const s = { namespace: namespaces[i % namespaces.length] as string, name: `filler-${i}`, slices, endpointsPerSlice: f.endpointsPerSlice, firstEndpoint };
    firstEndpoint += slices * f.endpointsPerSlice;
    return s;
  });
}

const appLabels = (name: string) => ({ app: name, 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'member-size-filler', [FILLER_LABEL]: 'filler' });

export const fillerNamespace = (name: string): KubeObj => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { [FILLER_LABEL]: 'filler' } } });

/** A ClusterIP Service without a selector: the EndpointSlice controller makes no slices for it, ours stay ours. */
export function fillerService(s: FillerService): KubeObj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: s.name, namespace: s.namespace, labels: appLabels(s.name), annotations: { 'bench.clusterset-dns/note': 'unrelated to any import' } },
    spec: {
      type: 'ClusterIP',
      ports: [
        { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
        { name: 'metrics', port: 9090, targetPort: 9090, protocol: 'TCP' },
      ],
    },
  };
}

/** The pod address of the filler's `n`th endpoint, in 10.128.0.0/10 (no member uses it); distinct below 2^22. */
export function podAddress(n: number): string {
  return `10.${128 + ((n >> 16) & 63)}.${(n >> 8) & 255}.${n & 255}`;
}

export const sliceName = (s: FillerService, j: number) => `${s.name}-${j}`;

/** The `j`th EndpointSlice of filler Service `s`, as the EndpointSlice controller would write it. */
export function fillerSlice(s: FillerService, j: number): KubeObj {
  const last = s.endpointsPerSlice - 1;
  const endpoints = Array.from({ length: s.endpointsPerSlice }, (_, k) => {
    const n = s.firstEndpoint + j * s.endpointsPerSlice + k;
    const pod = `${s.name}-${j}-${k}`;
    return {
      addresses: [podAddress(n)],
      // Now and then one not ready, as in a rollout.
      conditions: { ready: k !== last || j % 2 === 0, serving: true, terminating: false },
      targetRef: { kind: 'Pod', name: pod, namespace: s.namespace, uid: `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}` },
      nodeName: `node-${n % 50}`,
      zone: `zone-${n % 3}`,
    };
  });
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: sliceName(s, j), namespace: s.namespace, labels: { ...appLabels(s.name), 'kubernetes.io/service-name': s.name, 'endpointslice.kubernetes.io/managed-by': FILLER_SLICE_MANAGER } },
    addressType: 'IPv4',
    endpoints,
    ports: [
      { name: 'http', port: 8080, protocol: 'TCP' },
      { name: 'metrics', port: 9090, protocol: 'TCP' },
    ],
  };
}

/** The values of `name`'s series in Prometheus text whose labels include all of `labels`, in order. */
function samples(text: string, name: string, labels: Record<string, string>): number[] {
  const out: number[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== '{' && line[name.length] !== ' ')) continue;
    const body = /^[^{ ]*(?:\{(.*)\})? /.exec(line)?.[1] ?? '';
    if (Object.entries(labels).every(([k, v]) => body.includes(`${k}="${v}"`))) out.push(Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return out;
}

/** The first matching series' value (a gauge); undefined when there is none. */
export const metricValue = (text: string, name: string, labels: Record<string, string> = {}): number | undefined => samples(text, name, labels)[0];

/** The sum over matching series (a counter over its other labels); 0 when there is none. */
export const metricSum = (text: string, name: string, labels: Record<string, string> = {}): number => samples(text, name, labels).reduce((a, b) => a + b, 0);

/** What one measurement (one controller start) found. */
export interface Measurement {
  phase: 'floor' | 'filled';
  fillerServices: number;
  fillerSlices: number;
  /** Start → /readyz. */
  readySeconds: number;
  /** Start → member1's EndpointSlices listed; null if not within the timeout. */
  slicesListedSeconds: number | null;
  /** Start → every filler Service's key reconciled once and the queue empty; null if not within the timeout. */
  caughtUpSeconds: number | null;
  /** Member ServiceImports of the demo holding spec.ips, of expectedFilled. */
  filled: number;
  expectedFilled: number;
  peakRssMiB: number | null;
  sampledMaxRssMiB: number | null;
  endRssMiB: number | null;
  endHeapUsedMiB: number | null;
}

const cell = (v: number | null, unit = '') => (v === null ? 'n/a' : `${v}${unit}`);

/** The markdown table BENCHMARKS.md quotes: one row per measurement. */
export function measurementTable(ms: readonly Measurement[], limitMiB: number): string {
  const head = ['controller', 'member1 filler (Services / EndpointSlices)', 'ready', 'slices listed', 'caught up', 'peak RSS (VmHWM)', 'RSS at the end', 'V8 heap used at the end', `under ${limitMiB} MiB`, 'spec.ips filled'];
  const rows = ms.map((m) => [
    m.phase === 'floor' ? 'floor (no filler)' : 'with the filler',
    `${m.fillerServices.toLocaleString('en')} / ${m.fillerSlices.toLocaleString('en')}`,
    `${m.readySeconds} s`,
    cell(m.slicesListedSeconds, ' s'),
    cell(m.caughtUpSeconds, ' s'),
    cell(m.peakRssMiB, ' MiB'),
    cell(m.endRssMiB, ' MiB'),
    cell(m.endHeapUsedMiB, ' MiB'),
    m.peakRssMiB === null ? 'n/a' : m.peakRssMiB < limitMiB ? 'yes' : '**no**',
    `${m.filled}/${m.expectedFilled}`,
  ]);
  return [head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n') + '\n';
}
