/**
 * hack/e2e.sh run as a user runs it, against the local environment in
 * Karmada's layout (--env=local, that is KUBECONFIG_PATH=.cache/env/kube):
 * it must pass, write its artifacts, and leave nothing behind in the control
 * plane. It sets up what it needs with its own flags (--apply-config,
 * --install-coredns) and queries member2's CoreDNS through doctor
 * (--doctor-dns), then runs the portable end-to-end suite (test/portable)
 * against the same clusters through the variables it sets: this is how
 * `npm test` runs that suite. --dry-run reads the members and writes nothing; --kind on a
 * machine without what it needs names all of it and fails.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { repoRoot } from '../env/binaries.js';
import { KARMADA_CONTEXT, writeKarmadaLayout, type EnvState } from '../env/environment.js';
import { useEnvironment } from '../support/environment.js';
import { clients } from '../support/kube.js';
import { SUITE_DIR, suiteCounts } from '../../hack/e2e/suite.js';

/** How many tests test/portable holds, counted from its files, so a test dropped from a run is noticed. */
function portableTests(): number {
  const dir = join(repoRoot, SUITE_DIR);
  return readdirSync(dir).filter((f) => f.endsWith('.test.ts')).reduce((n, f) => n + (readFileSync(join(dir, f), 'utf8').match(/^\s*it\(/gm) ?? []).length, 0);
}

/** Runs hack/e2e.sh with these variables (and no MEMBER_CLUSTER_* from the caller); its exit code and output. */
function runE2eSh(args: string[], vars: Record<string, string>, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^MEMBER_CLUSTER_|^PULL_MODE_CLUSTER_NAME$|^ARTIFACTS_PATH$|^KUBECONFIG_PATH$/.test(k)));
  return new Promise((resolveRun) => {
    const child = spawn('bash', [join(repoRoot, 'hack', 'e2e.sh'), ...args], { cwd: repoRoot, env: { ...env, ...vars }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, output });
    });
  });
}

describe('hack/e2e.sh on the local environment (e2e)', function () {
  this.timeout(12 * 60_000);
  let env: EnvState | undefined;
  let artifacts = '';

  before(async function () {
    this.timeout(30 * 60_000); // a cold start builds the binaries first
    env = await useEnvironment();
    artifacts = mkdtempSync(join(tmpdir(), 'clusterset-dns-e2e-artifacts-'));
  });

  after(() => {
    if (artifacts) rmSync(artifacts, { recursive: true, force: true });
  });

  it('passes, writes its artifacts, and deletes its test namespace', async () => {
    const e = env!;
    const dns = e.members['member2']!.dns;
    const r = await runE2eSh(['--env=local', '--apply-config', '--install-coredns', `--doctor-dns=member2=${dns}`], { ARTIFACTS_PATH: artifacts }, 11 * 60_000);
    expect(r.code, r.output).to.equal(0);
    expect(r.output).to.match(/PASSED/);

    const file = (name: string) => readFileSync(join(artifacts, name), 'utf8');
    expect(file('e2e.log')).to.match(/members: member1 exports, member2 imports/);
    expect(file('e2e.log')).to.match(/PASSED/);
    expect(file('controller.log'), 'the controller logs JSON lines').to.match(/^\{/m);
    expect(file('karmada-status.txt')).to.match(/\(exit 0\)\n$/);
    expect(file('doctor.txt')).to.match(/\(exit 0\)\n$/);
    // The portable suite ran against these clusters through its variables, and every test of it passed.
    const suite = suiteCounts(file('suite.txt'));
    expect(file('suite.txt'), 'told the clusters by the variables').to.match(/CLUSTERSET_DNS_E2E_MEMBERS_CONFIG=\S*\.cache\/env\/kube\/members\.config/);
    expect(suite, file('suite.txt')).to.deep.equal({ passing: portableTests(), failing: 0, pending: 0 });
    expect(file('e2e.log')).to.match(new RegExp(`suite: ${portableTests()} passing`));
    expect(file('objects/karmada-apiserver.yaml')).to.match(/kind: ServiceImport/);
    expect(file('objects/member2.yaml'), "member2's ServiceImport with the IPs the controller wrote").to.match(/ips:\n\s+- 10\.98\./);
    expect(file('restarts.txt'), 'no pods here: skipped, and said so').to.match(/^no pods in karmada-system on karmada-host.*restart check skipped/);
    expect(existsSync(join(artifacts, 'pods'))).to.equal(false);

    const left = (await clients(e, KARMADA_CONTEXT).core.listNamespace()).items.map((n) => n.metadata?.name ?? '').filter((n) => n.startsWith('clusterset-dns-e2e-'));
    expect(left, 'test namespaces left in the control plane').to.deep.equal([]);
  });

  it('fails with the reason when a precondition is not met (no members.config)', async () => {
    const e = env!;
    const r = await runE2eSh([], { MAIN_KUBECONFIG: join(writeKarmadaLayout(e), 'karmada.config'), MEMBER_CLUSTER_KUBECONFIG: join(artifacts, 'nowhere.config'), ARTIFACTS_PATH: join(artifacts, 'second') }, 120_000);
    expect(r.code, r.output).to.equal(1);
    expect(r.output).to.match(/cannot read the members' kubeconfig .*nowhere\.config/);
  });

  it('--dry-run --env=local reads the members, prints the plan, and creates nothing', async () => {
    const e = env!;
    const dryArtifacts = join(artifacts, 'dry-run');
    const r = await runE2eSh(['--env=local', '--dry-run', '--apply-config'], { ARTIFACTS_PATH: dryArtifacts }, 120_000);
    expect(r.code, r.output).to.equal(0);
    expect(r.output).to.match(/members: member1 exports, member2 imports/);
    expect(r.output).to.match(/start clusterset-dns run --kubeconfig=.*\.cache\/env\/kube\/karmada\.config/);
    expect(r.output).to.match(/the portable end-to-end suite \(test\/portable\) against these clusters/);
    expect(r.output).to.match(/dry run: nothing was written to any cluster/);
    expect(existsSync(dryArtifacts), 'a dry run creates no artifacts folder').to.equal(false);
    const left = (await clients(e, KARMADA_CONTEXT).core.listNamespace()).items.map((n) => n.metadata?.name ?? '').filter((n) => n.startsWith('clusterset-dns-e2e-'));
    expect(left, 'test namespaces created by a dry run').to.deep.equal([]);
  });

  it('--kind without a Karmada checkout (and here without Docker\'s daemon or kind) names everything missing and fails', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'clusterset-dns-no-karmada-'));
    try {
      const r = await runE2eSh(['--kind'], { KARMADA_REPO_ROOT: empty, ARTIFACTS_PATH: join(artifacts, 'kind') }, 120_000);
      expect(r.code, r.output).to.equal(1);
      expect(r.output).not.to.match(/PASSED/);
      const summary = /--kind: missing (.*)/.exec(r.output)?.[1] ?? '';
      expect(summary, r.output).to.match(/a Karmada checkout$/);
      expect(r.output).to.match(/no hack\/local-up-karmada\.sh in KARMADA_REPO_ROOT=/);
      const onPath = (tool: string) => (process.env['PATH'] ?? '').split(delimiter).some((d) => d !== '' && existsSync(join(d, tool)) && statSync(join(d, tool)).isFile());
      for (const tool of ['docker', 'go', 'kind', 'kubectl'].filter((t) => !onPath(t))) expect(summary.split(', '), `${tool} is not on PATH`).to.include(tool);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
