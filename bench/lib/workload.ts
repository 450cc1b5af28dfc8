/** The ServiceImports the benchmark creates: N imports, the probes the Karmada floors use, and every one created so far. */
import { pool, type Api } from './api.js';
import { MCS, POLICY, floorPolicy, propagationPolicy, serviceImport } from './objects.js';
import type { Flags } from './options.js';

export class Workload {
  /** Every import created so far (`<ns>/<name>`), in creation order. */
  readonly allKeys: string[] = [];
  /** The N imports, spread over the namespaces. */
  readonly svcKeys: string[];
  /** The probe imports (in the first namespace) whose template and OverridePolicy the Karmada floors change. */
  readonly probeKeys: string[];
  private probesCreated = false;

  constructor(private readonly flags: Flags, private readonly cp: Api, nsNames: string[], floorNs: string) {
    this.svcKeys = Array.from({ length: flags.n }, (_, i) => `${nsNames[i % nsNames.length]}/svc-${String(i).padStart(4, '0')}`);
    this.probeKeys = Array.from({ length: flags.probes }, (_, p) => `${floorNs}/probe-${p}`);
  }

  readonly createImport = async (key: string) => {
    const [ns, name] = key.split('/') as [string, string];
    if (this.flags.policy === 'per-import') await this.cp.create(`${POLICY}/namespaces/${ns}/propagationpolicies`, propagationPolicy(ns, `${name}-import`, { name }));
    await this.cp.create(`${MCS}/namespaces/${ns}/serviceimports`, serviceImport(ns, name));
    this.allKeys.push(key);
  };

  /** Creates the probes and their floor OverridePolicies, once. */
  readonly createProbes = async () => {
    if (this.probesCreated) return;
    this.probesCreated = true;
    await pool(this.probeKeys, 4, this.createImport);
    for (const p of this.probeKeys) {
      const [ns, name] = p.split('/') as [string, string];
      await this.cp.create(`${POLICY}/namespaces/${ns}/overridepolicies`, floorPolicy(ns, name, 'init'));
    }
  };

  /** Probes first (they serve the Karmada floor later), then the N imports, --concurrency at a time. */
  async createProbesAndImports(checkInterrupted: () => void): Promise<void> {
    await this.createProbes();
    await pool(this.svcKeys, this.flags.concurrency, async (k) => {
      checkInterrupted();
      await this.createImport(k);
    });
  }
}
