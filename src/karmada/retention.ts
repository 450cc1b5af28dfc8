/**
 * The retention rule: a Karmada ResourceInterpreterCustomization for
 * ServiceImport whose Lua `Retain` keeps a member's spec.ips across Karmada's
 * updates of that member object, but only on ServiceImports carrying our
 * ownership annotation. Every other ServiceImport is left exactly as Karmada
 * would leave it (docs/design.md#where-writes-go).
 *
 * Why it works: every Karmada write to a member object goes through
 * ObjectWatcher.Update (Karmada v1.18.2 pkg/util/objectwatcher/objectwatcher.go),
 * which runs the resource interpreter's Retain operation with the desired
 * (template + overrides) and the observed (member) object, and a
 * customization's Lua retention is consulted before the built-in one (there
 * is none for ServiceImport: pkg/resourceinterpreter/default/native/retain.go).
 * karmada-agent runs the same interpreter, so Pull members behave alike.
 *
 * Karmada's webhook allows one customization per target kind and operation
 * (pkg/webhook/resourceinterpretercustomization/helper.go), so a foreign
 * ServiceImport retention rule means ours cannot be installed: state()
 * reports it, and the controller writes through OverridePolicies instead.
 *
 * Pure: the object and its reading; installing it is src/cmd/karmada.ts.
 */
import type { ResourceInterpreterCustomization } from '../api/karmada.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../api/meta.js';
import { FILL_IPS_ANNOTATION, FILL_IPS_VALUE } from '../api/ownership.js';
import { KARMADA_CONFIG_GROUP, KARMADA_CONFIG_VERSION, MCS_API_VERSION } from '../kube/gvr.js';

export const RETENTION_NAME = 'clusterset-dns-serviceimport-ips';
export const RETENTION_API_VERSION = `${KARMADA_CONFIG_GROUP}/${KARMADA_CONFIG_VERSION}`;
export const RETENTION_TARGET = { apiVersion: MCS_API_VERSION, kind: 'ServiceImport' } as const;

/**
 * Keeps the member's spec.ips when the member object carries our annotation;
 * otherwise returns the desired object untouched. A member without spec.ips
 * leaves the desired object without one too (nil removes the field).
 */
export const RETENTION_LUA = `function Retain(desiredObj, observedObj)
  local annotations = observedObj.metadata.annotations
  if annotations == nil or annotations["${FILL_IPS_ANNOTATION}"] ~= "${FILL_IPS_VALUE}" then
    return desiredObj
  end
  if desiredObj.spec == nil then
    desiredObj.spec = {}
  end
  if observedObj.spec ~= nil then
    desiredObj.spec.ips = observedObj.spec.ips
  else
    desiredObj.spec.ips = nil
  end
  return desiredObj
end
`;

export const RETENTION_LABELS = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } as const;

export function desiredRetention(): ResourceInterpreterCustomization {
  return {
    apiVersion: RETENTION_API_VERSION,
    kind: 'ResourceInterpreterCustomization',
    metadata: { name: RETENTION_NAME, labels: { ...RETENTION_LABELS } },
    spec: { target: { ...RETENTION_TARGET }, customizations: { retention: { luaScript: RETENTION_LUA } } },
  };
}

/**
 * What the control plane's customizations say about ours:
 * - installed: ours, with this build's script;
 * - outdated: ours, with another script (an older or newer build's): still a
 *   retention rule keyed on our annotation, so usable; `install` updates it;
 * - missing: no ServiceImport retention rule at all;
 * - conflict: another customization already holds ServiceImport's retention
 *   (named), so ours cannot be there or, if it is, which runs is undefined.
 */
export type RetentionState =
  | { state: 'installed' }
  | { state: 'outdated' }
  | { state: 'missing' }
  | { state: 'conflict'; owners: string[] };

const targetsServiceImport = (c: ResourceInterpreterCustomization): boolean =>
  c.spec?.target?.apiVersion === RETENTION_TARGET.apiVersion && c.spec?.target?.kind === RETENTION_TARGET.kind;

const hasRetention = (c: ResourceInterpreterCustomization): boolean => (c.spec?.customizations?.retention?.luaScript ?? '') !== '';

export function retentionState(customizations: readonly ResourceInterpreterCustomization[]): RetentionState {
  const rules = customizations.filter((c) => targetsServiceImport(c) && hasRetention(c));
  const others = rules.filter((c) => c.metadata.name !== RETENTION_NAME).map((c) => c.metadata.name).sort();
  if (others.length > 0) return { state: 'conflict', owners: others };
  const ours = rules.find((c) => c.metadata.name === RETENTION_NAME);
  if (!ours) return { state: 'missing' };
  return ours.spec.customizations.retention?.luaScript === RETENTION_LUA ? { state: 'installed' } : { state: 'outdated' };
}

/** Whether Karmada keeps our member-side writes: our rule is there and nothing competes with it. */
export const retentionUsable = (s: RetentionState): boolean => s.state === 'installed' || s.state === 'outdated';
