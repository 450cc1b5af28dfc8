/**
 * What the benchmark's own watches saw: per (member, import), when the
 * derived Service appeared, and every change of our OverridePolicy's rule and
 * of the member's spec.ips; the floor probes' sequence numbers as they arrive;
 * and counters of writes for the idle and restart phases.
 */
import type { EventType, KubeObj } from './api.js';
import { FLOOR_POLICY_PREFIX, MEMBERS, OP_SEQ_LABEL, OUR_POLICY_PREFIX, RELABEL_LABEL, SEQ_LABEL, type Member } from './objects.js';

export interface Track {
  /** First time a derived-<svc> with a ClusterIP was seen in this member, and whether it came from a watch event (not the initial list). */
  derivedAt?: number;
  derivedFromWatch?: boolean;
  derivedIp?: string;
  /** Member ServiceImport spec.ips (joined), as it changed. */
  ips: Array<[number, string]>;
  curIps: string;
  /** Our OverridePolicy's rule for this member (joined ips), as it changed. */
  op: Array<[number, string]>;
  curOp: string;
  /** The member ServiceImport's relabel-phase label, as last seen: Karmada has re-applied the Work once it matches. */
  relabel?: string | undefined;
}

/** One change of a pair's policy rule or member spec.ips, in ms after a phase's start. */
export interface PairChange {
  member: string;
  key: string;
  what: 'policy rule' | 'spec.ips';
  atMs: number;
  value: string;
}

export const firstAfter = (h: Array<[number, string]>, value: string, after: number) => h.find(([t, v]) => v === value && t >= after)?.[0];

export class Observed {
  readonly track = new Map<Member, Map<string, Track>>(MEMBERS.map((m) => [m, new Map()]));
  private readonly seen = new Map<string, number>();
  private readonly waiters = new Map<string, (t: number) => void>();
  readonly namespaces = new Set<string>();
  /** Events on our OverridePolicies and member ServiceImports, and controller Events, by type (for the idle phase). */
  readonly counters = { ourPolicyEvents: 0, memberSiModified: 0, controllerEvents: 0, controllerEventsByReason: new Map<string, number>() };

  t(m: Member, key: string): Track {
    const mm = this.track.get(m) as Map<string, Track>;
    let t = mm.get(key);
    if (!t) {
      t = { ips: [], curIps: '', op: [], curOp: '' };
      mm.set(key, t);
    }
    return t;
  }

  filled(m: Member, key: string): boolean {
    const t = this.track.get(m)?.get(key);
    return !!t?.derivedIp && t.curIps === t.derivedIp;
  }

  opDone(m: Member, key: string): boolean {
    const t = this.track.get(m)?.get(key);
    return !!t?.derivedIp && t.curOp === t.derivedIp;
  }

  count(keys: string[], f: (m: Member, k: string) => boolean): number {
    let n = 0;
    for (const m of MEMBERS) for (const k of keys) if (f(m, k)) n++;
    return n;
  }

  /** Every change of a policy rule or member spec.ips at or after `t0`, per (member, import), in time order. */
  changesSince(keys: readonly string[], t0: number): PairChange[] {
    const changes: PairChange[] = [];
    for (const m of MEMBERS) for (const k of keys) {
      const tr = this.track.get(m)?.get(k);
      for (const [t, v] of tr?.op ?? []) if (t >= t0) changes.push({ member: m, key: k, what: 'policy rule', atMs: +(t - t0).toFixed(1), value: v });
      for (const [t, v] of tr?.ips ?? []) if (t >= t0) changes.push({ member: m, key: k, what: 'spec.ips', atMs: +(t - t0).toFixed(1), value: v });
    }
    return changes.sort((a, b) => a.atMs - b.atMs);
  }

  signal(key: string, t: number) {
    if (this.seen.has(key)) return;
    this.seen.set(key, t);
    this.waiters.get(key)?.(t);
    this.waiters.delete(key);
  }

  /** Resolves with the time `key` was signalled, or undefined after `timeoutMs`. */
  expect(key: string, timeoutMs: number): Promise<number | undefined> {
    const t = this.seen.get(key);
    if (t !== undefined) return Promise.resolve(t);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(key);
        resolve(undefined);
      }, timeoutMs);
      this.waiters.set(key, (at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
  }

  ours = (o: KubeObj) => this.namespaces.has(o.metadata.namespace ?? '');

  memberService(m: Member) {
    return (type: EventType, o: KubeObj, t: number) => {
      if (!this.ours(o) || !o.metadata.name.startsWith('derived-')) return;
      const key = `${o.metadata.namespace}/${o.metadata.name.slice('derived-'.length)}`;
      const tr = this.t(m, key);
      const ip = o.spec?.clusterIP;
      if (type === 'DELETED') {
        delete tr.derivedIp;
        delete tr.derivedAt;
        return;
      }
      if (!ip || ip === 'None') return;
      if (tr.derivedIp !== ip) {
        tr.derivedIp = ip;
        tr.derivedAt = t;
        tr.derivedFromWatch = type !== 'LIST';
      }
    };
  }

  memberServiceImport(m: Member) {
    return (type: EventType, o: KubeObj, t: number) => {
      if (!this.ours(o)) return;
      const key = `${o.metadata.namespace}/${o.metadata.name}`;
      const tr = this.t(m, key);
      if (type === 'MODIFIED') this.counters.memberSiModified++;
      const ips = type === 'DELETED' ? '' : (o.spec?.ips ?? []).join(',');
      if (ips !== tr.curIps) {
        tr.curIps = ips;
        tr.ips.push([t, ips]);
      }
      if (type !== 'DELETED') tr.relabel = o.metadata.labels?.[RELABEL_LABEL];
      const seq = o.metadata.labels?.[SEQ_LABEL];
      if (seq) this.signal(`b1:${m}:${seq}`, t);
      const opSeq = o.metadata.labels?.[OP_SEQ_LABEL];
      if (opSeq) this.signal(`b2:${m}:${opSeq}`, t);
    };
  }

  controlPlaneServiceImport = (_type: EventType, o: KubeObj, t: number) => {
    if (!this.ours(o)) return;
    const seq = o.metadata.labels?.[SEQ_LABEL];
    if (seq) this.signal(`b1:cp:${seq}`, t);
  };

  overridePolicy = (type: EventType, o: KubeObj, t: number) => {
    if (!this.ours(o)) return;
    const name = o.metadata.name;
    const spec = o.spec as { overrideRules?: Array<{ targetCluster?: { clusterNames?: string[] }; overriders?: { plaintext?: Array<{ path: string; value: unknown }>; labelsOverrider?: Array<{ value?: Record<string, string> }> } }> } | undefined;
    if (name.startsWith(FLOOR_POLICY_PREFIX)) {
      const v = spec?.overrideRules?.[0]?.overriders?.labelsOverrider?.[0]?.value?.[OP_SEQ_LABEL];
      if (v) this.signal(`b2:cp:${v}`, t);
      return;
    }
    if (!name.startsWith(OUR_POLICY_PREFIX)) return;
    if (type !== 'LIST') this.counters.ourPolicyEvents++;
    const key = `${o.metadata.namespace}/${name.slice(OUR_POLICY_PREFIX.length)}`;
    const rules = new Map<string, string>();
    if (type !== 'DELETED') {
      for (const r of spec?.overrideRules ?? []) {
        const c = r.targetCluster?.clusterNames?.[0];
        const v = r.overriders?.plaintext?.find((p) => p.path === '/spec/ips')?.value;
        if (c && Array.isArray(v)) rules.set(c, v.join(','));
      }
    }
    for (const m of MEMBERS) {
      const tr = this.t(m, key);
      const v = rules.get(m) ?? '';
      if (v !== tr.curOp) {
        tr.curOp = v;
        tr.op.push([t, v]);
      }
    }
  };

  configMap(api: string) {
    return (_type: EventType, o: KubeObj, t: number) => {
      const seq = o.data?.['seq'];
      if (seq) this.signal(`a:${api}:${seq}`, t);
    };
  }

  /** Progress of `keys` in both members, for the log. */
  progress(keys: string[]): string {
    return `derived ${this.count(keys, (m, k) => !!this.track.get(m)?.get(k)?.derivedIp)}/${2 * keys.length}, policy rules ${this.count(keys, (m, k) => this.opDone(m, k))}, spec.ips ${this.count(keys, (m, k) => this.filled(m, k))}`;
  }

  controllerEvent = (type: EventType, o: KubeObj) => {
    if (type !== 'ADDED' || !this.ours(o)) return;
    this.counters.controllerEvents++;
    const reason = String((o as { reason?: string }).reason ?? '?');
    this.counters.controllerEventsByReason.set(reason, (this.counters.controllerEventsByReason.get(reason) ?? 0) + 1);
  };
}
