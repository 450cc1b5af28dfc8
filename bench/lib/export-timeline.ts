/**
 * Per-export timelines for the `auto-import` phase, from the benchmark's own
 * watches: when the ServiceExport's create was sent, when the control-plane
 * ServiceImport was first seen, and per member when `derived-<name>` got its
 * ClusterIP and when the member ServiceImport's spec.ips first held exactly
 * that IP. The handlers only record; `timelineRow` and `summarizeRows` turn
 * the timelines into the rows and percentiles the report shows.
 */
import type { EventType, KubeObj } from './api.js';
import { summarize, type Summary } from './stats.js';

export interface MemberTimeline {
  /** First watch event that showed derived-<name> with a ClusterIP, and that IP. */
  derivedAt?: number;
  derivedIp?: string;
  /** The member ServiceImport's spec.ips (joined) as last seen, and when it took that value. */
  ips: string;
  ipsSince?: number;
  /** When spec.ips first equalled the derived ClusterIP (the later of the two events that made them equal). */
  filledAt?: number;
}

export interface ExportTimeline {
  /** The ServiceExport's create request sent (the export's creation, as the bench sees it). */
  exportAt?: number;
  /** The control-plane ServiceImport first seen on the watch. */
  cpImportAt?: number;
  members: Record<string, MemberTimeline>;
}

/** One export's latencies in ms; null where that step was never seen. */
export interface ExportRow {
  key: string;
  /** Export created → control-plane ServiceImport seen: automatic imports' part (or the bench's own write, for the native floor). */
  exportToCpImportMs: number | null;
  /** Control-plane ServiceImport seen → derived Service seen in every member: Karmada's propagation. */
  cpImportToAllDerivedMs: number | null;
  /** Derived Service seen in every member → spec.ips filled in every member: the ServiceImport controller's fill. */
  allDerivedToAllFilledMs: number | null;
  /** Export created → derived Service in every member. */
  exportToAllDerivedMs: number | null;
  /** Export created → spec.ips holding the derived ClusterIP in every member: the headline number. */
  exportToAllFilledMs: number | null;
}

export const ROW_COLUMNS = ['exportToCpImportMs', 'cpImportToAllDerivedMs', 'allDerivedToAllFilledMs', 'exportToAllDerivedMs', 'exportToAllFilledMs'] as const;
export type RowColumn = (typeof ROW_COLUMNS)[number];

const span = (from: number | undefined, to: number | undefined): number | null => (from === undefined || to === undefined ? null : +(to - from).toFixed(1));

/** The latest of every member's time, or undefined unless every member has one. */
function latest(tl: ExportTimeline, members: readonly string[], f: (m: MemberTimeline) => number | undefined): number | undefined {
  let max: number | undefined;
  for (const m of members) {
    const t = tl.members[m] === undefined ? undefined : f(tl.members[m]);
    if (t === undefined) return undefined;
    max = max === undefined ? t : Math.max(max, t);
  }
  return max;
}

/** A timeline → its row; "every member" means every one of `members`. */
export function timelineRow(key: string, tl: ExportTimeline, members: readonly string[]): ExportRow {
  const allDerived = latest(tl, members, (m) => m.derivedAt);
  const allFilled = latest(tl, members, (m) => m.filledAt);
  return {
    key,
    exportToCpImportMs: span(tl.exportAt, tl.cpImportAt),
    cpImportToAllDerivedMs: span(tl.cpImportAt, allDerived),
    allDerivedToAllFilledMs: span(allDerived, allFilled),
    exportToAllDerivedMs: span(tl.exportAt, allDerived),
    exportToAllFilledMs: span(tl.exportAt, allFilled),
  };
}

export interface RowsSummary {
  exports: number;
  /** Exports whose spec.ips never held the derived ClusterIP in every member. */
  incomplete: number;
  latency: Record<RowColumn, Summary>;
}

/** Percentiles of each column over the rows that have it. */
export function summarizeRows(rows: readonly ExportRow[]): RowsSummary {
  const latency = Object.fromEntries(ROW_COLUMNS.map((c) => [c, summarize(rows.flatMap((r) => (r[c] === null ? [] : [r[c]])))])) as Record<RowColumn, Summary>;
  return { exports: rows.length, incomplete: rows.filter((r) => r.exportToAllFilledMs === null).length, latency };
}

/**
 * The timelines of the exports `keys` (`<namespace>/<name>`), filled in by
 * watch handlers on the control plane's and each member's ServiceImports and
 * each member's Services; `complete` resolves once every export is filled in
 * every member.
 */
export class ExportTimelines {
  readonly byKey = new Map<string, ExportTimeline>();
  private readonly pending = new Set<string>();
  private resolveComplete: () => void = () => {};
  readonly complete: Promise<void>;

  constructor(keys: readonly string[], private readonly members: readonly string[]) {
    for (const k of keys) {
      this.byKey.set(k, { members: Object.fromEntries(members.map((m) => [m, { ips: '' }])) });
      this.pending.add(k);
    }
    this.complete = new Promise((resolve) => (this.resolveComplete = resolve));
    if (this.pending.size === 0) this.resolveComplete();
  }

  exportSent(key: string, t: number): void {
    const tl = this.byKey.get(key);
    if (tl && tl.exportAt === undefined) tl.exportAt = t;
  }

  /** How many exports are filled in every member. */
  get filled(): number {
    return this.byKey.size - this.pending.size;
  }

  rows(): ExportRow[] {
    return [...this.byKey].map(([k, tl]) => timelineRow(k, tl, this.members));
  }

  readonly controlPlaneServiceImport = (type: EventType, o: KubeObj, t: number): void => {
    const tl = this.byKey.get(keyOf(o));
    if (tl && type !== 'DELETED' && tl.cpImportAt === undefined) tl.cpImportAt = t;
  };

  memberService(member: string) {
    return (type: EventType, o: KubeObj, t: number): void => {
      if (!o.metadata.name.startsWith('derived-')) return;
      const key = `${o.metadata.namespace}/${o.metadata.name.slice('derived-'.length)}`;
      const mt = this.byKey.get(key)?.members[member];
      const ip = o.spec?.clusterIP;
      if (!mt || type === 'DELETED' || !ip || ip === 'None' || mt.derivedIp !== undefined) return;
      mt.derivedIp = ip;
      mt.derivedAt = t;
      this.check(key, mt);
    };
  }

  memberServiceImport(member: string) {
    return (type: EventType, o: KubeObj, t: number): void => {
      const key = keyOf(o);
      const mt = this.byKey.get(key)?.members[member];
      if (!mt) return;
      const ips = type === 'DELETED' ? '' : (o.spec?.ips ?? []).join(',');
      if (ips === mt.ips) return;
      mt.ips = ips;
      mt.ipsSince = t;
      this.check(key, mt);
    };
  }

  private check(key: string, mt: MemberTimeline): void {
    if (mt.filledAt === undefined && mt.derivedIp !== undefined && mt.ips === mt.derivedIp) {
      mt.filledAt = Math.max(mt.derivedAt ?? 0, mt.ipsSince ?? 0);
    }
    const tl = this.byKey.get(key);
    if (!tl || !this.pending.has(key)) return;
    if (this.members.every((m) => tl.members[m]?.filledAt !== undefined)) {
      this.pending.delete(key);
      if (this.pending.size === 0) this.resolveComplete();
    }
  }
}

const keyOf = (o: KubeObj) => `${o.metadata.namespace}/${o.metadata.name}`;
