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
