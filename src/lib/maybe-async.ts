/**
 * A value now, or a promise of it later. The verify path returns this so that a verification
 * answered from memory (a cached token, nothing to meter) runs start to finish in one go:
 * each promise and `await` on the way costs a microtask turn, and together they cost more than
 * the verification itself. Callers that do not care simply `await` it.
 */
export type MaybeAsync<T> = T | Promise<T>;

/** `next(value)` at once when the value is here, else once it arrives. */
export function andThen<T, U>(value: MaybeAsync<T>, next: (value: T) => MaybeAsync<U>): MaybeAsync<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}
