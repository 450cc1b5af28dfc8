/**
 * doctor's `crd-flavour` check, pure: which MCS CRDs the member has
 * (src/karmada/crd-flavour.ts, as `crds check` reads them) and what the
 * member cannot do with them. Whether the chain works is the `crds` check's
 * question; this one says what the member gives up, so Karmada's CRDs (one
 * IP in spec.ips, no v1beta1) are a warning with `crds install` as the fix,
 * never a failure: single-stack clusterset DNS works with them.
 */
import { classifyCrds, flavourLabel } from '../karmada/crd-flavour.js';
import type { CheckResult } from './checks.js';
import type { ReachedMember } from './observation.js';

export function crdFlavourCheck(m: ReachedMember, memberFlag: (member: string) => string): CheckResult {
  const row = (status: CheckResult['status'], detail: string, fix?: string): CheckResult => ({ cluster: m.member, check: 'crd-flavour', status, detail, ...(fix !== undefined ? { fix } : {}) });
  const { serviceimports: si, serviceexports: se } = m.crds;
  if (!si.ok || !se.ok) return row('skip', 'the CRDs could not be read (see crds)');
  const f = classifyCrds(si.value, se.value);
  const served = [...new Set([...(f.served.serviceImport ?? []), ...(f.served.serviceExport ?? [])])];
  const what = `${flavourLabel(f)} (serves ${served.join(', ') || 'nothing'}${f.ipsMaxItems !== undefined ? `; spec.ips holds at most ${f.ipsMaxItems}` : ''})`;
  if (f.lacks.length === 0) return row('pass', what);
  return row('warn', `${what}; this member cannot do: ${f.lacks.join('; ')}`,
    `clusterset-dns crds install ${memberFlag(m.member)} (installs the mcs-api CRDs; docs/deploy.md#the-mcs-crds-in-members)`);
}
