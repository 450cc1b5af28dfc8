/**
 * Bad invocations of every subcommand, run as a user runs them: the real CLI
 * in a child process. Each must end with its exit code (2 usage, 1 failure)
 * and one line on stderr naming the input and the fix, never a stack trace.
 *
 * No cluster: each case fails before connecting, or connects to a loopback
 * port nothing listens on. The environment is empty of kubeconfigs (no
 * $KUBECONFIG, a HOME without ~/.kube, not a pod), so nothing on this
 * machine changes the answers. A spawn costs about a second of CPU (tsx
 * compiling the command), several when the case gets past parsing and
 * loads @kubernetes/client-node, so each case stands for one error path;
 * the messages themselves are unit-tested beside each parser. They run a
 * few at a time, once, in before().
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterDnsCli, type CliRun } from '../support/cli.js';

interface Case {
  args: string[];
  code: 1 | 2;
  /** The one line on stderr; undefined: stderr stays empty and `stdout` says it (doctor's report). */
  stderr?: RegExp;
  stdout?: RegExp;
}

/** A port that refused a connection a moment ago: listened on, then closed. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as { port: number };
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const kubeconfig = (port: number) => `apiVersion: v1
kind: Config
current-context: karmada-apiserver
clusters:
- name: karmada
  cluster: { server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true }
users:
- name: admin
  user: { token: not-a-secret }
contexts:
- name: karmada-apiserver
  context: { cluster: karmada, user: admin }
`;

/** Runs `fn` over `items`, `limit` at a time, results in order. */
async function pool<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

describe('clusterset-dns: bad invocations end in one line and an exit code, never a stack trace', function () {
  // Spawns run a few at a time; on a busy 2-core machine each takes seconds.
  this.timeout(300_000);

  const dir = mkdtempSync(join(tmpdir(), 'usage-errors-'));
  const closed = join(dir, 'closed.kubeconfig');
  const home = join(dir, 'home');
  let busy: Server;
  let busyPort = 0;

  // Filled in before(): the ports are only known then.
  const cases: Case[] = [];
  const runs: CliRun[] = [];

  before(async () => {
    const port = await closedPort();
    writeFileSync(closed, kubeconfig(port));
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    busyPort = (busy.address() as { port: number }).port;
    const kc = ['--kubeconfig', closed];
    const refused = new RegExp(`ECONNREFUSED 127\\.0\\.0\\.1:${port}`);
    cases.push(
      { args: ['frob'], code: 2, stderr: /^clusterset-dns: unknown command "frob"; want run, .*; see clusterset-dns --help$/ },

      { args: ['run', '--bogus'], code: 2, stderr: /^clusterset-dns run: unknown flag --bogus; see clusterset-dns run --help$/ },
      { args: ['run', '--write-route=direct'], code: 2, stderr: /^clusterset-dns run: --write-route: want auto, retain, override-policy, got "direct"; see/ },
      { args: ['run', '--kubeconfig', '/nonexistent'], code: 2, stderr: /^clusterset-dns run: --kubeconfig \/nonexistent: no such file; give --kubeconfig the path of a kubeconfig file; see/ },
      { args: ['run', ...kc, '--context', 'nope'], code: 2, stderr: /^clusterset-dns run: context "nope" not found in --kubeconfig \S+ \(it has: karmada-apiserver\); give --context one of those; see/ },
      { args: ['run'], code: 2, stderr: /^clusterset-dns run: no kubeconfig: --kubeconfig and \$KUBECONFIG are empty and this is not a pod .*; give --kubeconfig PATH; see/ },
      { args: ['run', ...kc, '--metrics-bind-address=0', `--health-probe-bind-address=127.0.0.1:${busyPort}`], code: 1, stderr: new RegExp(`^clusterset-dns run: --health-probe-bind-address 127\\.0\\.0\\.1:${busyPort} is in use; give it another address, or "0" to turn it off$`) },

      { args: ['coredns', 'frob'], code: 2, stderr: /^clusterset-dns coredns: unknown action "frob"; want install, uninstall or status; see clusterset-dns coredns --help$/ },
      { args: ['coredns', 'install'], code: 2, stderr: /^clusterset-dns coredns install: say which members: --cluster NAME\[,NAME\.\.\.\], --all, or --member-kubeconfig PATH; see clusterset-dns coredns install --help$/ },
      { args: ['coredns', 'status', '--all', '--ttl', '5'], code: 2, stderr: /^clusterset-dns coredns status: --ttl applies to install only, not to status; see clusterset-dns coredns status --help$/ },
      { args: ['coredns', 'status', '--member-kubeconfig', '/nonexistent'], code: 2, stderr: /^clusterset-dns coredns status: --member-kubeconfig \/nonexistent: no such file; give --member-kubeconfig the path/ },
      { args: ['coredns', 'status', '--all', ...kc], code: 1, stderr: new RegExp(`^clusterset-dns coredns status: cannot list the members \\(Cluster objects\\): .*${refused.source}.*; check that --kubeconfig/--context point at the Karmada API server and that it answers$`) },

      { args: ['doctor', '--dns', '127.0.0.1'], code: 2, stderr: /^clusterset-dns doctor: --dns HOST:PORT is one member's CoreDNS: name that member with --cluster NAME.*; see clusterset-dns doctor --help$/ },
      { args: ['doctor', ...kc, '--context', 'nope'], code: 2, stderr: /^clusterset-dns doctor: context "nope" not found/ },
      // A control plane that does not answer is a check that failed, reported with its fix like every other.
      { args: ['doctor', ...kc], code: 1, stdout: new RegExp(`^CLUSTER +CHECK .*\\n\\(control plane\\) +control-plane +- +FAIL +cannot list the members \\(Cluster objects\\): .*${refused.source}.*\\n +fix: check that --kubeconfig/--context point at the Karmada API server`) },

      { args: ['karmada', 'frob'], code: 2, stderr: /^clusterset-dns karmada: unknown action "frob"; want install, status or uninstall; see clusterset-dns karmada --help$/ },
      { args: ['crds', 'check', '--dry-run'], code: 2, stderr: /^clusterset-dns crds check: --dry-run applies to install only, not to check; see clusterset-dns crds check --help$/ },
      { args: ['crds', 'install'], code: 2, stderr: /^clusterset-dns crds install: say which members: --cluster NAME\[,NAME\.\.\.\], --all, or --member-kubeconfig PATH; see clusterset-dns crds install --help$/ },
      { args: ['crds', 'check', ...kc], code: 1, stderr: new RegExp(`^clusterset-dns crds check: cannot list the members \\(Cluster objects\\): .*${refused.source}.*; check that --kubeconfig/--context point at the Karmada API server and that it answers$`) },
      { args: ['karmada', 'status', '--dry-run'], code: 2, stderr: /^clusterset-dns karmada status: --dry-run applies to install and uninstall only, not to status; see clusterset-dns karmada status --help$/ },
      { args: ['karmada', 'status', '--kubeconfig', '/nonexistent'], code: 2, stderr: /^clusterset-dns karmada status: --kubeconfig \/nonexistent: no such file; / },
      { args: ['karmada', 'status', ...kc], code: 1, stderr: new RegExp(`^clusterset-dns karmada status: .*${refused.source}.*; check that --kubeconfig/--context point at the Karmada API server and that it answers$`) },
      // Lists before it reads the controller's Lease: one error, not a warning and then the error.
      { args: ['karmada', 'uninstall', ...kc], code: 1, stderr: new RegExp(`^clusterset-dns karmada uninstall: .*${refused.source}.*; check that`) },

      { args: ['version', '-o', 'yaml'], code: 2, stderr: /^clusterset-dns version: --output: want table or json, got "yaml"; see clusterset-dns version --help$/ },
    );
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
    for (const k of ['KUBECONFIG', 'KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT', 'KARMADA_CONTEXT', 'LOG_LEVEL']) delete env[k];
    runs.push(...(await pool(cases, Math.max(2, availableParallelism()), (c) => clusterDnsCli(c.args, 60_000, env))));
  });
  after(async () => {
    await new Promise<void>((resolve) => (busy ? busy.close(() => resolve()) : resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('every case', () => {
    // One it, so a failure lists every case that broke rather than the first.
    expect(runs).to.have.length(cases.length);
    const wrong: string[] = [];
    cases.forEach((c, i) => {
      const r = runs[i] as CliRun;
      const name = `clusterset-dns ${c.args.join(' ')}`;
      const problems: string[] = [];
      if (r.code !== c.code) problems.push(`exit ${r.code}, want ${c.code}`);
      if (/^\s+at /m.test(r.stderr + r.stdout)) problems.push('a stack trace');
      if (c.stderr) {
        if (!/^[^\n]+\n$/.test(r.stderr)) problems.push('not exactly one line on stderr');
        if (!c.stderr.test(r.stderr.trimEnd())) problems.push(`stderr does not match ${String(c.stderr)}`);
        if (r.stdout !== '') problems.push('output on stdout');
      } else if (r.stderr !== '') problems.push('output on stderr');
      if (c.stdout && !c.stdout.test(r.stdout)) problems.push(`stdout does not match ${String(c.stdout)}`);
      if (problems.length > 0) wrong.push(`${name}: ${problems.join('; ')}\n  stderr: ${r.stderr.trimEnd().split('\n').join('\n  ')}\n  stdout: ${r.stdout.slice(0, 400)}`);
    });
    if (wrong.length > 0) expect.fail(`${wrong.length} of ${cases.length} cases wrong:\n${wrong.join('\n')}`);
  });

  it('covers every subcommand', () => {
    const covered = new Set(cases.map((c) => c.args[0]));
    expect([...covered].sort()).to.deep.equal(['coredns', 'crds', 'doctor', 'frob', 'karmada', 'run', 'version']);
  });
});
