/**
 * `coredns install --dry-run` for people: after the result table, per member,
 * the Corefile diff and the RBAC objects install would apply, and how the
 * change would reach the pods — all from the plan the real install carries
 * out (src/coredns/install-plan.ts). Pure.
 */
import type { InstallPlanReport, InstallResult } from '../coredns/install.js';
import { formatUnifiedDiff } from '../coredns/text-diff.js';

/** One member's plan as text; empty when the result carries none. */
export function formatPlan(cluster: string, r: InstallResult): string {
  const plan: InstallPlanReport | undefined = 'plan' in r ? r.plan : undefined;
  if (!plan) return '';
  const out: string[] = [];
  const where = `${cluster} ${plan.configMap} Corefile`;
  if (plan.corefileDiff.length === 0) {
    out.push(`${cluster}: the Corefile in ConfigMap ${plan.configMap} would not change`);
  } else {
    const head = r.kind === 'refused'
      ? `${cluster}: refused; these are the lines install would have made, to add through the ConfigMap's owner:`
      : `${cluster}: would change the Corefile in ConfigMap ${plan.configMap}:`;
    out.push(head, formatUnifiedDiff(plan.corefileDiff, `${where} (now)`, `${where} (after install)`).trimEnd());
  }
  if (plan.rbac.length > 0) {
    out.push(`${cluster}: RBAC, server-side applied (field manager clusterset-dns):`);
    for (const c of plan.rbac) out.push(`  ${c.action.padEnd(9)} ${c.kind} ${c.name}: ${c.detail}`);
  }
  if (plan.rollout && plan.corefileDiff.length > 0) {
    out.push(`${cluster}: then ${plan.rollout.restart ? 'restart the CoreDNS Deployment and wait for it' : 'no restart'} (${plan.rollout.reason})`);
  }
  return out.join('\n') + '\n';
}

/** Every member's plan, each after a blank line. */
export function formatPlans(outcomes: ReadonlyArray<{ cluster: string; result: InstallResult }>): string {
  return outcomes.map((o) => formatPlan(o.cluster, o.result)).filter((s) => s !== '').map((s) => `\n${s}`).join('');
}
