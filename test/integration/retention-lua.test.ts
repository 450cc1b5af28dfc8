/**
 * The retention rule's Lua, run by Karmada itself: `karmadactl interpret
 * --operation retain` loads the customization into the same configurable
 * interpreter and Lua VM karmada-controller-manager uses
 * (pkg/karmadactl/interpret/execute.go → pkg/resourceinterpreter/customized/declarative),
 * and prints what Retain returns for a desired object (what Karmada would
 * write: template + overrides) and an observed one (the member's object).
 * No environment is needed: only the karmadactl binary hack/tools/karmada builds.
 *
 * karmadactl exits 0 even when the script fails ("Execute retain error: …"
 * on stderr), so every case also asserts an empty stderr and a printed result.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import type { ResourceInterpreterCustomization } from '../../src/api/karmada.js';
import { FILL_IPS_ANNOTATION } from '../../src/api/ownership.js';
import { desiredRetention, RETENTION_LUA } from '../../src/karmada/retention.js';
import { ensureBinaries } from '../env/binaries.js';

const run = promisify(execFile);

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
}

const PORTS = [{ name: 'http', port: 80, protocol: 'TCP' }];

function serviceImport(o: { ips?: string[] | null; annotation?: string; spec?: Record<string, unknown> | null } = {}): Obj {
  const spec = o.spec === null ? undefined : { type: 'ClusterSetIP', ports: PORTS, ...o.spec, ...(o.ips ? { ips: o.ips } : {}) };
  return {
    apiVersion: 'multicluster.x-k8s.io/v1alpha1',
    kind: 'ServiceImport',
    metadata: { name: 'web', namespace: 'shop', ...(o.annotation !== undefined ? { annotations: { [FILL_IPS_ANNOTATION]: o.annotation } } : {}) },
    ...(spec ? { spec } : {}),
  };
}

/** `desired` with spec.ips set to `ips` (undefined: no spec.ips at all). */
function withIps(desired: Obj, ips: string[] | undefined): Obj {
  const spec = { ...desired.spec };
  delete spec['ips'];
  return { ...desired, spec: ips === undefined ? spec : { ...spec, ips } };
}

interface Case {
  name: string;
  desired: Obj;
  observed: Obj;
  want: Obj;
}

const D = '10.97.0.7';
const D6 = 'fd00:10:97::7';
const TEMPLATE_IP = '10.9.9.9';

const CASES: Case[] = [
  (() => {
    const desired = serviceImport();
    return { name: 'annotation "true": the member\'s spec.ips is kept (the template has none)', desired, observed: serviceImport({ annotation: 'true', ips: [D] }), want: withIps(desired, [D]) };
  })(),
  (() => {
    const desired = serviceImport({ ips: [TEMPLATE_IP] });
    return { name: 'annotation "true": the member\'s spec.ips wins over other desired ips', desired, observed: serviceImport({ annotation: 'true', ips: [D] }), want: withIps(desired, [D]) };
  })(),
  (() => {
    const desired = serviceImport();
    return { name: 'annotation "true": both IP families are kept, in order', desired, observed: serviceImport({ annotation: 'true', ips: [D, D6] }), want: withIps(desired, [D, D6]) };
  })(),
  (() => {
    const desired = serviceImport({ spec: null });
    return { name: 'annotation "true": a desired object without spec gets one with the ips', desired, observed: serviceImport({ annotation: 'true', ips: [D] }), want: { ...desired, spec: { ips: [D] } } };
  })(),
  (() => {
    const desired = serviceImport({ ips: [TEMPLATE_IP] });
    return { name: 'annotation "true", member without spec.ips: desired loses its ips too', desired, observed: serviceImport({ annotation: 'true' }), want: withIps(desired, undefined) };
  })(),
  (() => {
    const desired = serviceImport({ ips: [TEMPLATE_IP] });
    return { name: 'annotation "true", member without any spec: desired loses its ips too', desired, observed: serviceImport({ annotation: 'true', spec: null }), want: withIps(desired, undefined) };
  })(),
  (() => {
    const desired = serviceImport({ ips: [TEMPLATE_IP] });
    return { name: 'annotation "true", member with spec.ips []: desired gets [] (a list, not an object)', desired, observed: serviceImport({ annotation: 'true', ips: [] }), want: { ...desired, spec: { ...desired.spec, ips: [] } } };
  })(),
  (() => {
    const desired = serviceImport({ ips: [TEMPLATE_IP] });
    return { name: 'no annotation: desired unchanged (its ips)', desired, observed: serviceImport({ ips: [D] }), want: desired };
  })(),
  (() => {
    const desired = serviceImport();
    return { name: 'no annotation: desired unchanged (no ips)', desired, observed: serviceImport({ ips: [D] }), want: desired };
  })(),
  (() => {
    const desired = serviceImport({ ips: [TEMPLATE_IP] });
    return { name: 'annotation "false": desired unchanged', desired, observed: serviceImport({ annotation: 'false', ips: [D] }), want: desired };
  })(),
  (() => {
    const desired = serviceImport({ annotation: 'true' });
    return { name: 'the annotation counts on the member object only, not on the desired one', desired, observed: serviceImport({ ips: [D] }), want: desired };
  })(),
  (() => {
    const desired = serviceImport({ spec: { type: 'ClusterSetIP', ports: [...PORTS, { name: 'https', port: 443, protocol: 'TCP' }], sessionAffinity: 'ClientIP' } });
    const observed = serviceImport({ annotation: 'true', ips: [D], spec: { type: 'Headless', ports: [{ port: 8080, protocol: 'UDP' }], sessionAffinity: 'None' } });
    return { name: 'annotation "true": every other desired field (type, ports, sessionAffinity) is untouched', desired, observed, want: withIps(desired, [D]) };
  })(),
];

describe('retention rule Lua, run by karmadactl interpret (Karmada v1.18.2)', () => {
  let karmadactl = '';
  let dir = '';
  let n = 0;

  const file = (name: string, obj: unknown): string => {
    const p = join(dir, `${n++}-${name}.yaml`);
    writeFileSync(p, stringify(obj));
    return p;
  };

  /** What Karmada's Retain returns for `desired` and `observed` under `customization`. */
  async function retain(customization: ResourceInterpreterCustomization, desired: Obj, observed: Obj): Promise<Obj> {
    const args = ['interpret', '-f', file('customization', customization), '--operation', 'retain', '--desired-file', file('desired', desired), '--observed-file', file('observed', observed)];
    const { stdout, stderr } = await run(karmadactl, args, { timeout: 30_000 });
    expect(stderr, `karmadactl ${args.join(' ')}`).to.equal('');
    expect(stdout).to.match(/^---\n# \[1\/1\] retained:\n/);
    return parse(stdout) as Obj;
  }

  before(async function () {
    this.timeout(30 * 60_000); // builds the Karmada binaries on a cold cache
    karmadactl = (await ensureBinaries((l) => console.error(`      [binaries] ${l}`))).karmadactl;
    dir = mkdtempSync(join(tmpdir(), 'retention-lua-'));
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const c of CASES) {
    it(c.name, async () => {
      expect(await retain(desiredRetention(), c.desired, c.observed)).to.deep.equal(c.want);
    });
  }

  it('the table can fail: a Lua that ignores the annotation changes the "no annotation" result', async () => {
    const careless = desiredRetention();
    careless.spec.customizations.retention = { luaScript: RETENTION_LUA.replace(/if annotations == nil or [^\n]+\n\s+return desiredObj\n\s+end\n/, '') };
    expect(careless.spec.customizations.retention.luaScript).not.to.equal(RETENTION_LUA);
    const c = CASES.find((x) => x.name.startsWith('no annotation: desired unchanged (its ips)')) as Case;
    expect(await retain(careless, c.desired, c.observed)).not.to.deep.equal(c.want);
  });

  it('karmadactl interpret --check accepts the customization (the Lua loads, as the webhook checks it)', async () => {
    const { stdout } = await run(karmadactl, ['interpret', '-f', file('customization', desiredRetention()), '--check'], { timeout: 30_000 });
    expect(stdout).to.match(/TARGET: multicluster\.x-k8s\.io\/v1alpha1 ServiceImport/);
    expect(stdout).to.match(/Retain:\s+PASS/);
    expect(stdout).not.to.match(/ERROR/);
  });

  it('--check refuses a script that does not load, so the check above can fail', async () => {
    const broken = desiredRetention();
    broken.spec.customizations.retention = { luaScript: RETENTION_LUA.replace(/\nend\n$/, '\n') };
    const err = await run(karmadactl, ['interpret', '-f', file('customization', broken), '--check'], { timeout: 30_000 }).then(() => undefined, (e: unknown) => e as { code?: number; stdout?: string });
    expect(err?.code).to.not.equal(undefined);
    expect(err?.stdout).to.match(/Retain:\s+ERROR/);
  });
});
