/**
 * "Did a component restart during the run?", as Karmada's hack/run-e2e.sh
 * asks it of karmada-system on karmada-host: the containers' restartCount
 * before and after, compared. Pure.
 */

/** One pod as the comparison needs it. */
export interface PodRestarts {
  name: string;
  uid: string;
  /** restartCount per container (init containers included, as `init:<name>`). */
  containers: Record<string, number>;
}

interface PodLike {
  metadata?: { name?: string; uid?: string };
  status?: { containerStatuses?: Array<{ name?: string; restartCount?: number }>; initContainerStatuses?: Array<{ name?: string; restartCount?: number }> };
}

export function podRestarts(pods: readonly PodLike[]): PodRestarts[] {
  return pods.map((p) => {
    const containers: Record<string, number> = {};
    for (const c of p.status?.initContainerStatuses ?? []) containers[`init:${c.name ?? '?'}`] = c.restartCount ?? 0;
    for (const c of p.status?.containerStatuses ?? []) containers[c.name ?? '?'] = c.restartCount ?? 0;
    return { name: p.metadata?.name ?? '?', uid: p.metadata?.uid ?? '', containers };
  });
}

export type RestartVerdict =
  /** Nothing runs as a pod there (a process-based environment): nothing to compare, and that is said. */
  | { kind: 'no-pods' }
  | { kind: 'ok'; pods: number }
  /** Each line names a pod, and the container and counts or what happened to it. */
  | { kind: 'restarted'; lines: string[] };

/**
 * A container whose restartCount rose restarted. A pod that went away or a
 * new one that came fails too: a component replaced during the run is as
 * suspect as one restarted in place, and its counts cannot be compared.
 */
export function compareRestarts(before: readonly PodRestarts[], after: readonly PodRestarts[]): RestartVerdict {
  if (before.length === 0 && after.length === 0) return { kind: 'no-pods' };
  const lines: string[] = [];
  const key = (p: PodRestarts) => `${p.name}/${p.uid}`;
  const was = new Map(before.map((p) => [key(p), p]));
  const is = new Map(after.map((p) => [key(p), p]));
  for (const p of after) {
    const old = was.get(key(p));
    if (!old) {
      lines.push(`pod ${p.name} appeared during the run (restarts: ${JSON.stringify(p.containers)})`);
      continue;
    }
    for (const [c, n] of Object.entries(p.containers)) {
      const m = old.containers[c] ?? 0;
      if (n > m) lines.push(`pod ${p.name} container ${c} restarted: restartCount ${m} → ${n}`);
    }
  }
  for (const p of before) if (!is.has(key(p))) lines.push(`pod ${p.name} went away during the run`);
  return lines.length > 0 ? { kind: 'restarted', lines } : { kind: 'ok', pods: after.length };
}

/** The verdict in words, for the log and restarts.txt. */
export function describeRestarts(v: RestartVerdict, where: string): string {
  switch (v.kind) {
    case 'no-pods':
      return `no pods in ${where}, before or after the run (Karmada's components do not run as pods there, as in the local environment): restart check skipped`;
    case 'ok':
      return `no restarts among the ${v.pods} pods in ${where}`;
    case 'restarted':
      return `pods in ${where} restarted during the run:\n  ${v.lines.join('\n  ')}`;
  }
}
