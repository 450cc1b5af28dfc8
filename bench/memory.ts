/**
 * Peak memory of a cold start, per Node/V8 setting: what the compiled
 * controller (as the Dockerfile runs it) peaks at while it writes every
 * OverridePolicy of a namespace of imports, with and without V8 flags that
 * trade CPU for memory.
 *
 *   npx tsx bench/clusterset-dns.ts --n=1000 --phases=prepare --keep   # imports in place
 *   npx tsx bench/memory.ts --namespace=cdns-bench-... [--rules=2006] [--variants='default;--max-semi-space-size=2;MALLOC_ARENA_MAX=2 --max-semi-space-size=2']
 *
 * Each variant: our OverridePolicies in the namespace are deleted, a fresh
 * compiled controller is started under plain node with NODE_OPTIONS=<variant>
 * ("default": none; "image": as the Dockerfile runs it), and timed until
 * every rule is back (the same count as before the first deletion). Reported:
 * VmHWM (peak RSS), the V8 heap in use and the process RSS at the end (from
 * the controller's own /metrics), and the time to all rules written. Karmada
 * is left to catch up in the background (member spec.ips are not waited for:
 * they do not change what the controller holds in memory).
 */
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KARMADA_POLICY_GROUP, KARMADA_POLICY_VERSION } from '../src/kube/gvr.js';
import { repoRoot } from '../test/env/binaries.js';
import { KARMADA_CONTEXT, readState } from '../test/env/environment.js';
import { buildController, startBuiltController } from './lib/controller.js';
import { hwmMiB } from './lib/proc.js';

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const namespace = arg('namespace');
if (!namespace) {
  process.stderr.write('usage: npx tsx bench/memory.ts --namespace=NS [--variants="default;--max-semi-space-size=2"] [--timeout-seconds=600]\n');
  process.exit(2);
}
const variants = (arg('variants') ?? 'default;image;--max-semi-space-size=1;--max-semi-space-size=2;--max-semi-space-size=4;MALLOC_ARENA_MAX=2 --max-semi-space-size=1').split(';').map((v) => v.trim());
const timeoutMs = Number(arg('timeout-seconds') ?? 600) * 1000;

const env = readState();
if (!env) throw new Error('no local environment is running (npm run env:up)');
const kc = new KubeConfig();
kc.loadFromFile(env.kubeconfig);
kc.setCurrentContext(KARMADA_CONTEXT);
const custom = kc.makeApiClient(CustomObjectsApi);
const OP = { group: KARMADA_POLICY_GROUP, version: KARMADA_POLICY_VERSION, plural: 'overridepolicies', namespace } as const;
const ours = 'app.kubernetes.io/managed-by=clusterset-dns';
const log = (l: string) => process.stdout.write(`[${new Date().toISOString().slice(11, 23)}] ${l}\n`);

async function ruleCount(): Promise<{ policies: number; rules: number }> {
  const list = (await custom.listNamespacedCustomObject({ ...OP, labelSelector: ours })) as { items: Array<{ spec?: { overrideRules?: unknown[] } }> };
  return { policies: list.items.length, rules: list.items.reduce((n, p) => n + (p.spec?.overrideRules?.length ?? 0), 0) };
}

async function metric(url: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(url)).text();
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return m?.[1] ? Number(m[1]) : undefined;
}

// The rule count to wait for: what is there now, or --rules=N (after an interrupted run deleted them).
const found = await ruleCount();
const expected = arg('rules') ? { policies: found.policies, rules: Number(arg('rules')) } : found;
if (expected.rules === 0) throw new Error(`no OverridePolicy rules of ours in ${namespace}: run the controller once first, or pass --rules=N (2 per import with two members)`);
log(`${namespace}: ${expected.policies} policies, ${expected.rules} rules to rewrite per variant`);
const mainJs = buildController(log);
const results: Array<Record<string, unknown>> = [];
const setEnv: string[] = [];
for (const variant of variants) {
  await custom.deleteCollectionNamespacedCustomObject({ ...OP, labelSelector: ours });
  for (let i = 0; i < 600 && (await ruleCount()).policies > 0; i++) await new Promise((r) => setTimeout(r, 500));
  // A variant is NODE_OPTIONS, optionally preceded by NAME=value environment settings (e.g. MALLOC_ARENA_MAX=2).
  const words = variant === 'default' || variant === 'image' ? [] : variant.split(/\s+/);
  const envWords = words.filter((w) => /^[A-Z_]+=/.test(w));
  for (const k of setEnv) delete process.env[k];
  setEnv.length = 0;
  for (const w of envWords) {
    const [k, v] = [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)];
    process.env[k] = v;
    setEnv.push(k);
  }
  process.env['NODE_OPTIONS'] = words.filter((w) => !envWords.includes(w)).join(' ');
  const t0 = performance.now();
  let c;
  try {
    // Variants are measured on plain node (no image settings) unless the variant is "image".
    c = await startBuiltController(env, mainJs, ['--leader-elect=false'], `clusterset-dns-mem`, variant !== 'image');
  } catch (e) {
    results.push({ variant, error: e instanceof Error ? e.message.split('\n').slice(-1)[0] : String(e) });
    log(JSON.stringify(results.at(-1)));
    continue;
  }
  let done = false;
  let last = { policies: 0, rules: 0 };
  while (!done && performance.now() - t0 < timeoutMs) {
    await new Promise((r) => setTimeout(r, 500));
    last = await ruleCount();
    done = last.rules >= expected.rules;
  }
  const seconds = (performance.now() - t0) / 1000;
  const heapUsed = await metric(c.metrics, 'nodejs_heap_size_used_bytes');
  const rss = await metric(c.metrics, 'process_resident_memory_bytes');
  const hwm = hwmMiB(c.proc.pid);
  await c.stop();
  const r = { variant, complete: done, rules: last.rules, secondsToAllRules: Number(seconds.toFixed(1)), peakRssMiB: hwm && Number(hwm.toFixed(1)), endRssMiB: rss && Number((rss / 2 ** 20).toFixed(1)), endHeapUsedMiB: heapUsed && Number((heapUsed / 2 ** 20).toFixed(1)) };
  results.push(r);
  log(JSON.stringify(r));
}
delete process.env['NODE_OPTIONS'];
const out = join(repoRoot, 'bench', 'results');
mkdirSync(out, { recursive: true });
const file = join(out, `memory-${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}.json`);
writeFileSync(file, JSON.stringify({ namespace, expected, results }, null, 2) + '\n');
log(`results: ${file}`);
