/**
 * The editor never emits a Corefile that a real CoreDNS rejects: a seeded,
 * deterministic sample of `planInstall` outputs — every fixture distributions
 * ship or people write (kubeadm, k3s, RKE2, AKS-like, hand-written oddities)
 * with seeded install options, plus random well-formed Corefiles from the
 * property tests' generator — is started with the CoreDNS binary the local
 * environment runs (v1.14, hack/tools/coredns), which must serve the
 * clusterset zone: answer `web.<ns>.svc.clusterset.local` with the IP in a
 * real ServiceImport's spec.ips, read from member1's API server. A Corefile
 * CoreDNS rejects makes it exit at once with a parse or setup error, which
 * the failure message shows.
 *
 * To run on loopback, each Corefile gets a small rewrite first (`localize`):
 * the local environment's own rewrites (test/env/corefile-local.ts:
 * loopback `bind`, health/ready/prometheus ports, a `kubeconfig` for the
 * kubernetes plugin — here member1's admin kubeconfig — and `forward` to a
 * closed port), plus: every server port becomes a free port; every `forward`
 * upstream, not only /etc/resolv.conf, goes to the closed port (no query
 * leaves the machine); `{$ENV}` placeholders are expanded as a pod's
 * environment would. None of that touches what the editor writes.
 *
 * What is left out, and checked to be left out for that reason only: the
 * `external` flavour (our build does not compile github.com/coredns/multicluster
 * in — a test below shows the binary rejects that stanza, so the day it is
 * compiled in this test fails and must take the flavour in), and fixtures
 * using plugins or transports the build lacks (`file`, `template`, `tls://`).
 * Random Corefiles count only when the binary also accepts their input (a
 * control run): the generator can write inputs CoreDNS rejects, e.g. the same
 * port for two `health` plugins, which is not the editor's doing.
 *
 * Instances run a few at a time (2 cores shared); the whole file takes well
 * under a minute with a running environment.
 */
import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBinaries } from '../env/binaries.js';
import type { EnvState } from '../env/environment.js';
import { freePorts } from '../env/process.js';
import { FIXTURES, KUBEADM } from '../support/corefile/fixtures.js';
import { parse, planInstall, serverBlocks, type Corefile, type Directive, type InstallOptions } from '../../src/coredns/corefile/index.js';
import { Rng, structuredCorefile } from '../support/corefile/testkit.js';
import { loopbackCorefile } from '../support/corefile-loopback.js';
import { useEnvironment } from '../support/environment.js';
import { applyAll, clients, queryA, uniqueName, type Clients } from '../support/kube.js';

const SEED = 20261122;
const PARALLEL = 3;
const STRUCTURED_SAMPLES = 6;

/** In-tree install options a sample may use; one is picked per fixture from the seed. */
const OPTIONS: readonly InstallOptions[] = [
  { flavor: 'in-tree' },
  { flavor: 'in-tree', ttl: 5 },
  { flavor: 'in-tree', headerRaFix: true },
  { flavor: 'in-tree', ttl: 0, headerRaFix: true },
];

/** What a placeholder expands to (SNIPPETS_AND_ENV uses two); loopbackCorefile then moves these to loopback like any other value. */
const PLACEHOLDERS: Record<string, string> = { HEALTH_ADDR: ':8080', UPSTREAM_DNS: '/etc/resolv.conf' };

interface Sample {
  name: string;
  corefile: string;
  /** The input, which CoreDNS must run for the sample to count. */
  control: string;
  random: boolean;
}

/** Top-level directive names (server blocks and snippets): what CoreDNS looks plugins up by. */
function directiveNames(cf: Corefile): string[] {
  const body = (ds: readonly Directive[]) => ds.map((d) => d.name.value);
  return cf.items.flatMap((i) => (i.kind === 'server' || i.kind === 'snippet' ? body(i.body) : []));
}

/** Why the binary cannot run this Corefile for reasons that have nothing to do with the editor; undefined if it can. */
function notRunnable(corefile: string, plugins: ReadonlySet<string>): string | undefined {
  const cf = parse(corefile);
  const missing = [...new Set(directiveNames(cf).filter((n) => n !== 'import' && !plugins.has(n)))];
  if (missing.length > 0) return `plugins not in our CoreDNS build: ${missing.join(', ')}`;
  const transports = serverBlocks(cf).flatMap((b) => b.keys.map((k) => /^([a-z]+):\/\//.exec(k.value)?.[1]).filter((t) => t !== undefined && t !== 'dns'));
  if (transports.length > 0) return `transports that need certificates: ${[...new Set(transports)].join(', ')}`;
  return undefined;
}

/** The deterministic sample: every fixture the in-tree install changes, with seeded options, and seeded random Corefiles. */
function sample(plugins: ReadonlySet<string>): { samples: Sample[]; skipped: Map<string, string> } {
  const rng = new Rng(SEED);
  const samples: Sample[] = [];
  const skipped = new Map<string, string>();
  for (const f of FIXTURES) {
    const opts = rng.pick(OPTIONS);
    if (f.inTree !== 'changed') continue;
    const why = notRunnable(f.corefile, plugins);
    if (why) {
      skipped.set(f.name, why);
      continue;
    }
    const p = planInstall(f.corefile, opts);
    if (p.kind !== 'changed') throw new Error(`fixture ${f.name}: expected a change, got ${p.kind}`);
    samples.push({ name: `${f.name} ${JSON.stringify(opts)}`, corefile: p.corefile, control: f.corefile, random: false });
  }
  for (let i = 0, taken = 0; taken < STRUCTURED_SAMPLES && i < 1000; i++) {
    const src = structuredCorefile(rng);
    const opts = rng.pick(OPTIONS);
    const p = planInstall(src, opts);
    if (p.kind !== 'changed' || notRunnable(src, plugins)) continue;
    samples.push({ name: `random #${i} ${JSON.stringify(opts)}`, corefile: p.corefile, control: src, random: true });
    taken++;
  }
  return { samples, skipped };
}

type RunResult = { ok: true; detail: string } | { ok: false; detail: string };

/**
 * Starts CoreDNS on `corefile` and waits until `served(answer)` holds for a
 * query of `name`, or the process exits (rejected), or `timeoutMs` passes.
 * Always stops the process.
 */
async function runCoreDns(bin: string, dir: string, corefile: string, dnsPort: number, name: string, served: (a: Awaited<ReturnType<typeof queryA>>) => boolean, timeoutMs = 20_000): Promise<RunResult> {
  const file = join(dir, `Corefile-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, corefile);
  const child = spawn(bin, ['-conf', file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
  let exited: number | null | undefined;
  // 'close', not 'exit': 'exit' can come before the last of stderr has been read, and the
  // rejection tests match CoreDNS's message in it.
  const exit = new Promise<void>((r) => child.on('close', (code) => { exited = code; r(); }));
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  try {
    while (exited === undefined && Date.now() < deadline) {
      const a = await queryA(`127.0.0.1:${dnsPort}`, name);
      if (served(a)) return { ok: true, detail: JSON.stringify(a) };
      last = JSON.stringify(a);
      await Promise.race([exit, new Promise((r) => setTimeout(r, 100))]);
    }
    if (exited !== undefined) return { ok: false, detail: `CoreDNS exited (code ${exited}):\n${output}\n--- Corefile as run ---\n${corefile}` };
    return { ok: false, detail: `CoreDNS did not serve ${name} within ${timeoutMs / 1000}s (last answer ${last}):\n${output}\n--- Corefile as run ---\n${corefile}` };
  } finally {
    if (exited === undefined) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(killer);
    }
  }
}

async function inBatches<T, R>(items: readonly T[], n: number, f: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i] as T);
    }
  }));
  return out;
}

describe('Corefile editor output on a real CoreDNS (integration)', function () {
  this.timeout(180_000);
  let bin: string;
  let plugins: Set<string>;
  let env: EnvState;
  let m1: Clients;
  let dir: string;
  let kubeconfig: string;
  let ip: string;
  const ns = uniqueName('corefile-coredns');
  const answerName = () => `web.${ns}.svc.clusterset.local`;
  const servesClusterset = (a: Awaited<ReturnType<typeof queryA>>) => 'ips' in a && a.ips.length === 1 && a.ips[0] === ip;
  const servesZone = (a: Awaited<ReturnType<typeof queryA>>) => servesClusterset(a) || ('error' in a && a.error === 'ENOTFOUND');
  const answersAtAll = (a: Awaited<ReturnType<typeof queryA>>) => 'ips' in a || !['ETIMEOUT', 'ECONNREFUSED'].includes(a.error);
  /** Moves `corefile` onto loopback and fresh free ports and runs it; `breakIt` then spoils the result (for the must-fail cases). */
  const run = async (corefile: string, name: string, served: (a: Awaited<ReturnType<typeof queryA>>) => boolean, timeoutMs?: number, breakIt = (c: string) => c) => {
    const [dns, ...spare] = (await freePorts(8)) as [number, ...number[]];
    return runCoreDns(bin, dir, breakIt(loopbackCorefile(corefile, { dns, spare }, kubeconfig, PLACEHOLDERS)), dns, name, served, timeoutMs);
  };

  before(async function () {
    this.timeout(30 * 60_000);
    bin = (await ensureBinaries((l) => console.error(`      [binaries] ${l}`))).coredns;
    // What this build registers: a Corefile naming anything else fails with "Unknown directive".
    plugins = new Set(execFileSync(bin, ['-plugins'], { encoding: 'utf8' }).split('\n').map((s) => s.trim()).filter((s) => /^[a-z0-9_]+$/.test(s)));
    env = await useEnvironment();
    m1 = clients(env, 'member1');
    dir = mkdtempSync(join(tmpdir(), 'corefile-coredns-'));
    kubeconfig = join(env.dir, 'member1', 'admin.kubeconfig');
    // A real ServiceImport for the sampled Corefiles to answer; the Namespace must exist for CoreDNS to answer in it.
    await m1.core.createNamespace({ body: { metadata: { name: ns } } });
    ip = '10.97.250.250';
    await applyAll(m1, [{
      apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceImport', metadata: { name: 'web', namespace: ns },
      spec: { type: 'ClusterSetIP', ips: [ip], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
    } as k8s.KubernetesObject]);
  });

  after(async () => {
    if (m1) await m1.core.deleteNamespace({ name: ns }).catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the sample is deterministic and covers the distributions\' Corefiles; only plugins our build lacks leave a fixture out', () => {
    const a = sample(plugins);
    const b = sample(plugins);
    expect(a.samples.map((s) => s.corefile)).to.deep.equal(b.samples.map((s) => s.corefile));
    const names = a.samples.map((s) => s.name);
    for (const f of ['kubeadm ', 'k3s ', 'rke2 ', 'aks-like ', 'hand-written with comments ', 'CRLF line endings ', 'snippets, imports and env placeholders ']) {
      expect(names.some((n) => n.startsWith(f)), f).to.equal(true);
    }
    expect([...a.skipped]).to.deep.equal([
      ['several server blocks and transports', 'plugins not in our CoreDNS build: file, tls'],
      ['quoted strings', 'plugins not in our CoreDNS build: template'],
    ]);
    expect(a.samples.filter((s) => s.random)).to.have.length(STRUCTURED_SAMPLES);
  });

  it('every sampled install output starts and answers the clusterset zone (fixtures: with spec.ips)', async () => {
    const { samples } = sample(plugins);
    const t0 = Date.now();
    const results = await inBatches(samples, PARALLEL, async (s) => {
      // Control first: an input CoreDNS itself rejects says nothing about the editor.
      const control = await run(s.control, `probe.${ns}.svc.cluster.local`, answersAtAll, 15_000);
      if (!control.ok) return { s, counted: false, out: control };
      // Random Corefiles may limit the kubernetes plugin (`namespaces default kube-system`): there an
      // authoritative NXDOMAIN is the zone being served; a SERVFAIL (the query fell through to forward) is not.
      return { s, counted: true, out: await run(s.corefile, answerName(), s.random ? servesZone : servesClusterset) };
    });
    const failed = results.filter((r) => r.counted && !r.out.ok);
    expect(failed.map((r) => `${r.s.name}: ${r.out.detail}`).join('\n\n')).to.equal('');
    // Fixtures that CoreDNS rejects as they are: known, and listed so that a new one is noticed.
    const rejected = results.filter((r) => !r.counted);
    expect(rejected.filter((r) => !r.s.random).map((r) => [r.s.name.replace(/ \{.*$/, ''), /plugin\/\w+: .*|Error during parsing: .*/.exec(r.out.detail)?.[0]])).to.deep.equal([
      // health's option parser does not take a block on one line.
      ['blocks on one line', `plugin/health: ${/\S+:4 - Error during parsing: Wrong argument count or unexpected line ending after '\}'/.exec(rejected.find((r) => r.s.name.startsWith('blocks on one line'))?.out.detail ?? '')?.[0] ?? '(other error)'}`],
    ]);
    // A generator whose inputs CoreDNS mostly rejects would make this check vacuous.
    const counted = results.filter((r) => r.counted);
    expect(counted.filter((r) => r.s.random).length, 'random samples whose input CoreDNS accepts').to.be.at.least(3);
    expect(counted.filter((r) => !r.s.random).length, 'fixtures served').to.be.at.least(12);
    console.error(`      (${counted.length} install outputs served by CoreDNS, ${rejected.length} inputs rejected by CoreDNS itself, ${samples.length * 2 - rejected.length} CoreDNS runs in ${((Date.now() - t0) / 1000).toFixed(1)}s)`);
  });

  it('can fail: CoreDNS rejects a stanza without the zone on the kubernetes line, a syntax error, and (in our build) the external flavour', async () => {
    const external = planInstall(KUBEADM, { flavor: 'external' });
    if (external.kind !== 'changed') throw new Error(`external install on kubeadm: ${external.kind}`);
    const planned = (c: string) => {
      const p = planInstall(c, { flavor: 'in-tree' });
      if (p.kind !== 'changed') throw new Error(`in-tree install: ${p.kind}`);
      return p.corefile;
    };
    const ok = (c: string) => c;
    const cases: Array<[string, string, (c: string) => string, RegExp]> = [
      // The mistake the editor exists to avoid: CoreDNS's plugin/kubernetes/setup.go requires the multicluster zone on the kubernetes line too.
      ['multicluster without the zone on the kubernetes line', KUBEADM.replace('       ttl 30\n    }\n', '       ttl 30\n       multicluster clusterset.local\n    }\n'), ok, /not authoritative for the multicluster zone/],
      // Broken after the loopback rewrite, which needs a Corefile our parser accepts.
      ['a block that is never closed', planned(KUBEADM), (c) => c.replace(/\}\n$/, ''), /Syntax error/],
      ['the external flavour\'s stanza', external.corefile, ok, /Unknown directive 'multicluster'/],
    ];
    const results = await inBatches(cases, PARALLEL, async ([name, corefile, breakIt, want]) => ({ name, want, out: await run(corefile, answerName(), servesClusterset, undefined, breakIt) }));
    for (const r of results) {
      expect(r.out.ok, `${r.name} must be rejected`).to.equal(false);
      expect(r.out.detail, r.name).to.match(/^CoreDNS exited \(code 1\)/);
      expect(r.out.detail, r.name).to.match(r.want);
    }
  });
});
