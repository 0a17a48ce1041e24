// The guide's @track_duration decorator and `async with track_operation(...)` context manager.
import type { ObserverMetric } from './handles.js';

/** What a tracked function returns: a Promise of the same value when fn returns any thenable, else fn's own result. */
export type Tracked<R> = R extends PromiseLike<infer V> ? Promise<V> : R;

/**
 * trackDuration(metric, labels)(fn): observes how long fn takes, in seconds, for sync and async functions, errors
 * too. A result with a `then` method (a native Promise or any thenable, e.g. a query builder that runs when awaited)
 * is timed until it settles: it is adopted once with Promise.resolve (so its `then` is called exactly once) and the
 * tracked function returns that native Promise.
 */
export function trackDuration<L extends object>(metric: ObserverMetric<L>, labels: L): <A extends unknown[], R>(fn: (...args: A) => R) => (...args: A) => Tracked<R> {
  return <A extends unknown[], R>(fn: (...args: A) => R) =>
    (...args: A): Tracked<R> => {
      const stop = (metric.startTimer as (l: L) => () => number)(labels);
      let result: R;
      try {
        result = fn(...args);
      } catch (err) {
        stop();
        throw err;
      }
      if (isThenable(result)) {
        return Promise.resolve(result).then(
          (v) => {
            stop();
            return v;
          },
          (err: unknown) => {
            stop();
            throw err;
          },
        ) as Tracked<R>;
      }
      stop();
      return result as Tracked<R>;
    };
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return (typeof x === 'object' || typeof x === 'function') && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

/** trackOperation(metric, labels, async () => ...): the guide's `async with track_operation(...)`. */
export async function trackOperation<L extends object, R>(metric: ObserverMetric<L>, labels: L, op: () => Promise<R> | R): Promise<R> {
  const stop = (metric.startTimer as (l: L) => () => number)(labels);
  try {
    return await op();
  } finally {
    stop();
  }
}

