/**
 * `store` with one method replaced; `replace` receives the original, bound, to call through.
 * For the failures a real store has no way to produce on demand.
 */
export function overrideMethod<T extends object, K extends keyof T>(store: T, method: K, replace: (original: T[K]) => T[K]): T {
  const replaced = replace((store[method] as (...args: unknown[]) => unknown).bind(store) as T[K]);
  return new Proxy(store, {
    get(target, property) {
      if (property === method) return replaced;
      const value = Reflect.get(target, property, target) as unknown;
      // Bound to the store itself: SQL and memory stores keep their state in private fields.
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
