/**
 * A lookup table keyed by names users write: no prototype, so `constructor`, `toString` or `__proto__` find
 * nothing instead of Object.prototype's members.
 */
export function dict<T>(entries: Record<string, T>): Readonly<Record<string, T>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries));
}
