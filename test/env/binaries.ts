/**
 * Builds (or finds) the real Kubernetes, Karmada and CoreDNS binaries the
 * local environment runs, and the tools only tests run: promtool, which tests the alert
 * rules, and helm, which lints and renders the chart. Each wrapper module under hack/tools/<name> is built
 * into a cache directory outside the clone, keyed by everything that decides
 * the output (the wrapper's files, `go version`, GOOS/GOARCH, the flags set
 * here), so a warm cache skips Go entirely.
 *
 * Lookup order per binary, as controller-runtime's envtest does
 * (pkg/internal/testing/process/bin_path_finder.go):
 *   TEST_ASSET_<NAME>  →  $KUBEBUILDER_ASSETS/<name>  →  our cache (built on demand).
 */
import { createHash } from 'node:crypto';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const toolsDir = join(repoRoot, 'hack', 'tools');

/** Where built binaries, the environment's state and logs live: never inside the clone. */
export function cacheRoot(): string {
  const explicit = process.env['CLUSTERSET_DNS_CACHE'];
  if (explicit) return resolve(explicit);
  const xdg = process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache');
  return join(xdg, 'karmada-clusterset-dns');
}

export type BinaryName =
  | 'etcd'
  | 'kube-apiserver'
  | 'kube-controller-manager'
  | 'kube-proxy'
  | 'coredns'
  | 'karmada-agent'
  | 'karmada-aggregated-apiserver'
  | 'karmada-controller-manager'
  | 'karmada-scheduler'
  | 'karmada-webhook'
  | 'karmadactl';

/** Built only for the tests that use them, never for the environment or the demo (a cold build costs minutes). */
export type TestToolName = 'promtool' | 'helm';

export type Binaries = Record<BinaryName, string> & Partial<Record<TestToolName, string>>;

interface Target {
  binary: BinaryName | TestToolName;
  pkg: string;
}

interface Wrapper {
  name: 'k8s' | 'coredns' | 'karmada' | 'prometheus' | 'helm';
  /** Only when ensureBinaries is asked for the test tools. */
  testTool?: true;
  targets: Target[];
  ldflags: (dir: string) => string;
  /** Build tags, part of the cache key. */
  tags?: string;
  /**
   * Fetch only what the build needs (go build does that by itself) rather
   * than every module go.mod lists: a wrapper whose build tags leave most of
   * its module graph out would otherwise download all of it.
   */
  skipModDownload?: boolean;
}

/** The version a wrapper's go.mod requires of `module`. */
export function requiredVersion(wrapperDir: string, module: string): string {
  const gomod = readFileSync(join(wrapperDir, 'go.mod'), 'utf8');
  const m = new RegExp(`^\\s*(?:require\\s+)?${module.replace(/[.]/g, '\\.')}\\s+(v\\S+)`, 'm').exec(gomod);
  if (!m?.[1]) throw new Error(`${wrapperDir}/go.mod does not require ${module}`);
  return m[1];
}

/**
 * Version stamps as upstream's hack/lib/version.sh sets them. Without them
 * /version says v0.0.0-master and Karmada fails to parse
 * Cluster.status.kubernetesVersion.
 */
function kubeLdflags(dir: string): string {
  const v = requiredVersion(dir, 'k8s.io/kubernetes');
  const [, major, minor] = /^v(\d+)\.(\d+)\./.exec(v) ?? [];
  const flags = ['-s', '-w'];
  for (const p of ['k8s.io/client-go/pkg/version', 'k8s.io/component-base/version']) {
    flags.push(
      `-X ${p}.gitVersion=${v}`,
      `-X ${p}.gitMajor=${major}`,
      `-X ${p}.gitMinor=${minor}`,
      `-X ${p}.gitTreeState=clean`,
      `-X ${p}.buildDate=1970-01-01T00:00:00Z`,
    );
  }
  return flags.join(' ');
}

function karmadaLdflags(dir: string): string {
  const v = requiredVersion(dir, 'github.com/karmada-io/karmada');
  const p = 'github.com/karmada-io/karmada/pkg/version';
  return ['-s', '-w', `-X ${p}.gitVersion=${v}`, `-X ${p}.gitTreeState=clean`, `-X ${p}.buildDate=1970-01-01T00:00:00Z`].join(' ');
}

/** promtool --version prints what Prometheus' own release stamps. */
function prometheusLdflags(dir: string): string {
  const v = requiredVersion(dir, 'github.com/prometheus/prometheus');
  const p = 'github.com/prometheus/common/version';
  return ['-s', '-w', `-X ${p}.Version=${v}`, `-X ${p}.BuildDate=19700101-00:00:00`].join(' ');
}

/** `helm version` prints what Helm's own release stamps (its Makefile's LDFLAGS). */
function helmLdflags(dir: string): string {
  const v = requiredVersion(dir, 'helm.sh/helm/v3');
  const p = 'helm.sh/helm/v3/internal/version';
  return ['-s', '-w', `-X ${p}.version=${v}`, `-X ${p}.gitTreeState=clean`].join(' ');
}

const wrappers: Wrapper[] = [
  {
    name: 'k8s',
    targets: [
      { binary: 'etcd', pkg: 'go.etcd.io/etcd/server/v3' },
      { binary: 'kube-apiserver', pkg: 'k8s.io/kubernetes/cmd/kube-apiserver' },
      { binary: 'kube-controller-manager', pkg: 'k8s.io/kubernetes/cmd/kube-controller-manager' },
      // Runs in each member's node namespace: the data plane (test/env/dataplane).
      { binary: 'kube-proxy', pkg: 'k8s.io/kubernetes/cmd/kube-proxy' },
    ],
    ldflags: kubeLdflags,
  },
  {
    name: 'coredns',
    targets: [{ binary: 'coredns', pkg: '.' }],
    ldflags: () => '-s -w',
  },
  {
    name: 'karmada',
    targets: [
      { binary: 'karmada-aggregated-apiserver', pkg: 'github.com/karmada-io/karmada/cmd/aggregated-apiserver' },
      // Not part of the environment: test/e2e/pull-member.test.ts joins a member in Pull mode with it.
      { binary: 'karmada-agent', pkg: 'github.com/karmada-io/karmada/cmd/agent' },
      { binary: 'karmada-controller-manager', pkg: 'github.com/karmada-io/karmada/cmd/controller-manager' },
      { binary: 'karmada-scheduler', pkg: 'github.com/karmada-io/karmada/cmd/scheduler' },
      { binary: 'karmada-webhook', pkg: 'github.com/karmada-io/karmada/cmd/webhook' },
      // Not part of the environment: tests run its `interpret` against our retention rule (Karmada's own Lua VM).
      { binary: 'karmadactl', pkg: 'github.com/karmada-io/karmada/cmd/karmadactl' },
    ],
    ldflags: karmadaLdflags,
  },
  {
    // Not part of the environment: test/integration/alerts.test.ts checks and unit-tests config/monitoring's rules with it.
    name: 'prometheus',
    testTool: true,
    targets: [{ binary: 'promtool', pkg: 'github.com/prometheus/prometheus/cmd/promtool' }],
    ldflags: prometheusLdflags,
    // Leaves out every service-discovery plugin but file and http (Prometheus' plugins/*.go build constraints).
    tags: 'remove_all_sd',
    skipModDownload: true,
  },
  {
    // Not part of the environment: test/integration/helm-chart.test.ts lints and renders charts/ with it.
    name: 'helm',
    testTool: true,
    targets: [{ binary: 'helm', pkg: 'helm.sh/helm/v3/cmd/helm' }],
    ldflags: helmLdflags,
    skipModDownload: true,
  },
];

/** Bump when the build recipe below changes in a way that changes outputs. */
const RECIPE = '1';

const goEnv = {
  GOTOOLCHAIN: 'local', // a too-new `go` line fails fast instead of downloading a toolchain
  CGO_ENABLED: '0', // static binaries, as upstream's KUBE_STATIC_BINARIES
  GOWORK: 'off',
  GOFLAGS: '-buildvcs=false -mod=readonly',
};

function goVersion(): string {
  try {
    return execFileSync('go', ['version'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(
      'Go is needed to build the test binaries (kube-apiserver, etcd, Karmada, CoreDNS, promtool, helm) and `go` is not on PATH. ' +
        'Install Go >= 1.26, or point TEST_ASSET_<NAME> / KUBEBUILDER_ASSETS at existing binaries.',
    );
  }
}

function wrapperKey(w: Wrapper, gover: string): string {
  const dir = join(toolsDir, w.name);
  const h = createHash('sha256');
  h.update(`${RECIPE}\n${gover}\n${process.platform}/${process.arch}\n${w.ldflags(dir)}\n`);
  // Only when set, so the keys (and caches) of the wrappers without tags stay as they were.
  if (w.tags) h.update(`tags ${w.tags}\n`);
  for (const f of readdirSync(dir).sort()) {
    if (/^(go\.mod|go\.sum|.*\.go)$/.test(f)) h.update(`${f}\n`).update(readFileSync(join(dir, f)));
  }
  return h.digest('hex').slice(0, 16);
}

function envName(binary: BinaryName | TestToolName): string {
  return `TEST_ASSET_${binary.toUpperCase().replace(/-/g, '_')}`;
}

/** A binary given by the user, if any (envtest conventions). */
function override(binary: BinaryName | TestToolName): string | undefined {
  const direct = process.env[envName(binary)];
  if (direct) {
    if (!existsSync(direct)) throw new Error(`${envName(binary)}=${direct} does not exist`);
    return direct;
  }
  const assets = process.env['KUBEBUILDER_ASSETS'];
  if (assets && existsSync(join(assets, binary))) return join(assets, binary);
  return undefined;
}

type Log = (line: string) => void;

function runGo(args: string[], cwd: string, label: string, log: Log): Promise<void> {
  return new Promise((resolveRun, reject) => {
    const started = Date.now();
    let packages = 0;
    let lastPkg = '';
    const tail: string[] = [];
    const child = spawn('go', args, { cwd, env: { ...process.env, ...goEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    const onLine = (line: string) => {
      if (!line) return;
      tail.push(line);
      if (tail.length > 40) tail.shift();
      // `go build -v` prints one package path per compiled package.
      if (/^[\w.-]+(\/[\w.@~+-]+)*$/.test(line)) {
        packages++;
        lastPkg = line;
      }
    };
    let buf = '';
    const feed = (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      lines.forEach(onLine);
    };
    child.stdout.on('data', feed);
    child.stderr.on('data', feed);
    const timer = setInterval(() => {
      const s = Math.round((Date.now() - started) / 1000);
      log(`[${label}] ${s}s, ${packages} packages compiled${lastPkg ? ` (last: ${lastPkg})` : ''}`);
    }, 15_000);
    child.on('error', (e) => {
      clearInterval(timer);
      reject(e);
    });
    // 'close', not 'exit': the last lines of output (the error, on failure) may still be unread at 'exit'.
    child.on('close', (code) => {
      clearInterval(timer);
      onLine(buf);
      if (code === 0) resolveRun();
      else reject(new Error(`go ${args.join(' ')} failed (exit ${code}) in ${cwd}:\n${tail.join('\n')}`));
    });
  });
}

async function buildWrapper(w: Wrapper, outDir: string, log: Log): Promise<void> {
  const dir = join(toolsDir, w.name);
  const tmp = `${outDir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  log(`[${w.name}] building ${w.targets.map((t) => t.binary).join(', ')} (a cold build takes minutes on 2 cores)`);
  const started = Date.now();
  if (!w.skipModDownload) await runGo(['mod', 'download'], dir, `${w.name} download`, log);
  const tags = w.tags ? ['-tags', w.tags] : [];
  for (const t of w.targets) {
    await runGo(['build', '-v', '-trimpath', ...tags, '-ldflags', w.ldflags(dir), '-o', join(tmp, t.binary), t.pkg], dir, `${w.name}/${t.binary}`, log);
  }
  writeFileSync(join(tmp, '.complete'), JSON.stringify({ built: new Date().toISOString() }) + '\n');
  rmSync(outDir, { recursive: true, force: true });
  renameSync(tmp, outDir);
  log(`[${w.name}] done in ${Math.round((Date.now() - started) / 1000)}s → ${outDir}`);
}

/** Finds every binary, building only the wrappers whose outputs are missing. */
export async function ensureBinaries(log: Log = (l) => console.error(l), opts: { testTools?: boolean } = {}): Promise<Binaries> {
  const result: Record<string, string> = {};
  let gover: string | undefined;
  for (const w of wrappers) {
    if (w.testTool && !opts.testTools) continue;
    const missing = w.targets.filter((t) => {
      const o = override(t.binary);
      if (o) result[t.binary] = o;
      return !o;
    });
    if (missing.length === 0) continue;
    gover ??= goVersion();
    const outDir = join(cacheRoot(), 'bin', `${w.name}-${wrapperKey(w, gover)}`);
    if (!existsSync(join(outDir, '.complete'))) await buildWrapper(w, outDir, log);
    for (const t of missing) result[t.binary] = join(outDir, t.binary);
  }
  return result as Binaries;
}

/** `module`'s source tree in the module cache, at the version the wrapper `wrapper` (hack/tools/<wrapper>) requires. */
export function goModuleDir(wrapper: string, module: string): string {
  const dir = join(toolsDir, wrapper);
  const version = requiredVersion(dir, module);
  const out = execFileSync('go', ['mod', 'download', '-json', `${module}@${version}`], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, ...goEnv },
  });
  const info = JSON.parse(out) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download ${module}@${version}: ${info.Error ?? 'no Dir'}`);
  return info.Dir;
}

/** The Karmada module's source tree in the module cache (for its CRDs and manifests). */
export function karmadaModuleDir(): string {
  return goModuleDir('karmada', 'github.com/karmada-io/karmada');
}

export function karmadaVersion(): string {
  return requiredVersion(join(toolsDir, 'karmada'), 'github.com/karmada-io/karmada');
}

/**
 * The mcs-api release whose CRDs crds/mcs-api/ holds: the one CoreDNS's
 * wrapper (hack/tools/coredns) pins, through CoreDNS's multicluster code,
 * so the CRDs and the CoreDNS the environment runs come from one release.
 */
export const MCS_API_MODULE = 'sigs.k8s.io/mcs-api';
export const mcsApiModuleDir = (): string => goModuleDir('coredns', MCS_API_MODULE);
export const mcsApiVersion = (): string => requiredVersion(join(toolsDir, 'coredns'), MCS_API_MODULE);
