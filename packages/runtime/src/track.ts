// The guide's @track_duration decorator and `async with track_operation(...)` context manager.
import type { ObserverMetric } from './handles.js';

/** trackDuration(metric, labels)(fn): observes how long fn takes, for sync and async functions, errors too. */
export function trackDuration<L extends object>(metric: ObserverMetric<L>, labels: L): <A extends unknown[], R>(fn: (...args: A) => R) => (...args: A) => R {
  return <A extends unknown[], R>(fn: (...args: A) => R) =>
    (...args: A): R => {
      const stop = (metric.startTimer as (l: L) => () => number)(labels);
      let result: R;
      try {
        result = fn(...args);
      } catch (err) {
        stop();
        throw err;
      }
      if (result instanceof Promise) {
        return result.then(
          (v) => {
            stop();
            return v;
          },
          (err: unknown) => {
            stop();
            throw err;
          },
        ) as R;
      }
      stop();
      return result;
    };
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

