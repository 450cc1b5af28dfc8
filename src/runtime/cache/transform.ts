/**
 * What happens to an object on its way into the Reflector's cache: an
 * optional prune (client-go's SetTransform), then a deep freeze, so the
 * shared references the cache hands out cannot be mutated by a consumer.
 */

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * controller-runtime's TransformStripManagedFields, plus kubectl's
 * last-applied annotation: the two largest parts of most objects, read by no
 * controller. In place, on an object not yet frozen.
 */
export function stripManagedFields(obj: object): void {
  const md = (obj as { metadata?: { managedFields?: unknown; annotations?: Record<string, string> } }).metadata;
  if (!md) return;
  delete md.managedFields;
  if (md.annotations && LAST_APPLIED in md.annotations) delete md.annotations[LAST_APPLIED];
}

/** Freezes an object graph (JSON-shaped: plain objects and arrays). */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const v of Object.values(value as object)) deepFreeze(v);
  return value;
}

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A new object with only `keys` of `o` (those present); undefined when `o` is not an object. */
export function pick(o: unknown, keys: readonly string[]): Plain | undefined {
  if (!isPlain(o)) return undefined;
  const out: Plain = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/**
 * Keeps only `keys` at the top of `obj`, in place (the Reflector's prune
 * hook works on the object it was handed), replacing each kept nested part
 * by what `parts` makes of it; a part that makes undefined is dropped.
 */
export function keepOnly(obj: object, keys: readonly string[], parts: Record<string, (v: unknown) => unknown> = {}): void {
  const o = obj as Plain;
  for (const k of Object.keys(o)) {
    if (!keys.includes(k)) {
      delete o[k];
      continue;
    }
    const f = parts[k];
    if (!f) continue;
    const v = f(o[k]);
    if (v === undefined) delete o[k];
    else o[k] = v;
  }
}
