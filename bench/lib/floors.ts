/**
 * Floor samples: what the API servers and Karmada cost on their own, taken
 * with the benchmark's watches.
 *   a   API write → own watch event, on one API server (a ConfigMap's data)
 *   b1  Karmada: a template label on a probe ServiceImport, control plane → member
 *   b2  Karmada: a change of a probe's OverridePolicy, control plane → member
 */
import { now, type Api } from './api.js';
import { FLOOR_CM, FLOOR_POLICY_PREFIX, MCS, MEMBERS, POLICY, SEQ_LABEL, floorPolicy, type Member } from './objects.js';
import type { Observed } from './observed.js';

export type FloorApi = 'karmada' | Member;
export type FloorASamples = Record<FloorApi, number[]>;
/** member*: control-plane watch event → member watch event; fromWrite: write sent → member event; cpWriteToWatch: write sent → control-plane watch event. */
export type FloorBSamples = { member1: number[]; member2: number[]; fromWrite: number[]; cpWriteToWatch: number[] };

const emptyB = (): FloorBSamples => ({ member1: [], member2: [], fromWrite: [], cpWriteToWatch: [] });

export class FloorSampler {
  /** Sequence numbers, shared by every kind of sample so that each write is unique. */
  private seq = 0;
  private probeTurn = 0;
  // For b2, cpWriteToWatch is an OverridePolicy write through karmada-webhook.
  floorB1: FloorBSamples = emptyB();
  floorB2: FloorBSamples = emptyB();
  private readonly apiByName: Record<FloorApi, Api>;

  constructor(
    private readonly obs: Observed,
    private readonly cp: Api,
    members: Record<Member, Api>,
    private readonly floorNs: string,
    private readonly probeKeys: string[],
  ) {
    this.apiByName = { karmada: cp, member1: members.member1, member2: members.member2 };
  }

  /** Starts new (b) samples for a phase; the arrays of an earlier phase stay as its record holds them. */
  newKarmadaSamples(): void {
    this.floorB1 = emptyB();
    this.floorB2 = emptyB();
  }

  /** One (a) sample on `which`: write→watch into `into`, the write's round trip into `rtt`. */
  readonly sampleFloorA = async (which: FloorApi, into: FloorASamples, rtt: FloorASamples) => {
    const v = `a${this.seq++}`;
    const api = this.apiByName[which];
    const wait = this.obs.expect(`a:${which}:${v}`, 10_000);
    const t0 = now();
    await api.mergePatch(`/api/v1/namespaces/${this.floorNs}/configmaps/${FLOOR_CM}`, { data: { seq: v } });
    rtt[which].push(now() - t0);
    const t = await wait;
    if (t !== undefined) into[which].push(t - t0);
  };

  /** One (b1) or (b2) sample on the next probe, into floorB1 or floorB2. */
  readonly sampleFloorB = async (kind: 'b1' | 'b2') => {
    const p = this.probeKeys[this.probeTurn++ % this.probeKeys.length] as string;
    const [ns, name] = p.split('/') as [string, string];
    const v = `${kind}-${this.seq++}`;
    const waits = { cp: this.obs.expect(`${kind}:cp:${v}`, 60_000), member1: this.obs.expect(`${kind}:member1:${v}`, 60_000), member2: this.obs.expect(`${kind}:member2:${v}`, 60_000) };
    const t0 = now();
    if (kind === 'b1') await this.cp.mergePatch(`${MCS}/namespaces/${ns}/serviceimports/${name}`, { metadata: { labels: { [SEQ_LABEL]: v } } });
    else await this.cp.mergePatch(`${POLICY}/namespaces/${ns}/overridepolicies/${FLOOR_POLICY_PREFIX}${name}`, { spec: floorPolicy(ns, name, v).spec });
    const tcp = await waits.cp;
    const into = kind === 'b1' ? this.floorB1 : this.floorB2;
    if (tcp !== undefined) into.cpWriteToWatch.push(tcp - t0);
    for (const m of MEMBERS) {
      const t = await waits[m];
      if (t !== undefined && tcp !== undefined) into[m].push(t - tcp);
      if (t !== undefined) into.fromWrite.push(t - t0);
    }
  };
}
