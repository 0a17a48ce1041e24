// Typed metric handles: what application code calls. Label names and, where the catalog declares them, label
// values are types, so a wrong name or an undeclared value does not compile (the generated module supplies L).
import type { LabelSet } from './label-guard.js';
import { LabelGuard } from './label-guard.js';
import { CounterFamily, GaugeFamily, HistogramFamily, SummaryFamily } from './families.js';
import type { AnyFamily } from './families.js';
import type { MetricSpec } from './spec.js';

type NoLabels<L> = [keyof L] extends [never] ? true : false;
type OptValue<L> = NoLabels<L> extends true ? [value?: number] : [labels: L, value?: number];
type ReqValue<L> = NoLabels<L> extends true ? [value: number] : [labels: L, value: number];
type OnlyLabels<L> = NoLabels<L> extends true ? [] : [labels: L];

export interface CounterMetric<L extends object> {
  readonly name: string;
  /** Adds `value` (default 1). Throws RangeError for a negative or non-finite value. */
  inc(...args: OptValue<L>): void;
  /** A child bound to one series: its labels are checked once, here. */
  labels(...args: OnlyLabels<L>): { inc(value?: number): void };
  reset(): void;
}

export interface GaugeMetric<L extends object> {
  readonly name: string;
  set(...args: ReqValue<L>): void;
  inc(...args: OptValue<L>): void;
  dec(...args: OptValue<L>): void;
  labels(...args: OnlyLabels<L>): { set(value: number): void; inc(value?: number): void; dec(value?: number): void };
  reset(): void;
}

export interface ObserverMetric<L extends object> {
  readonly name: string;
  /** Records one observation (seconds, bytes, … as the metric's unit says). */
  observe(...args: ReqValue<L>): void;
  labels(...args: OnlyLabels<L>): { observe(value: number): void };
  /** Starts a timer; calling the returned function observes the elapsed seconds and returns them. */
  startTimer(...args: OnlyLabels<L>): () => number;
  reset(): void;
}

export type HistogramMetric<L extends object> = ObserverMetric<L>;
export type SummaryMetric<L extends object> = ObserverMetric<L>;

export interface InfoMetric<L extends object> {
  readonly name: string;
  /** Replaces the info labels (Python's Info.info()). */
  info(labels: L): void;
}

export interface EnumMetric<S extends string> {
  readonly name: string;
  /** Sets the current state: 1 for it, 0 for every other state (Python's Enum.state()). Throws for a state the catalog does not list. */
  state(state: S): void;
  current(): S;
}

export type AnyMetric = CounterMetric<LabelSet> | GaugeMetric<LabelSet> | ObserverMetric<LabelSet> | InfoMetric<LabelSet> | EnumMetric<string>;

/** A built catalog metric: its storage (registered with prom-client) and the handle the application calls. */
export interface BuiltMetric {
  spec: MetricSpec;
  family: AnyFamily;
  handle: AnyMetric;
}

/**
 * Label-less metrics take (value); labelled ones (labels, value). Untyped callers of a label-less metric may still
 * pass ({}, value).
 */
function valueArg(labelled: boolean, a: unknown, b: unknown): number | undefined {
  return (labelled || (typeof a === 'object' && a !== null) ? b : a) as number | undefined;
}

function timer(observe: (v: number) => void): () => number {
  const start = process.hrtime.bigint();
  return () => {
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    observe(seconds);
    return seconds;
  };
}

/** Builds a catalog metric's family and handle; `overflow(label)` counts a folded label value. */
export function buildMetric(spec: MetricSpec, overflow: (label: string) => void, now?: () => number): BuiltMetric {
  const built = buildFamily(spec, overflow, now);
  // Label-less families the application writes show 0 from the start (collector-fed ones show their collector's values).
  if (!spec.collector && spec.type !== 'info' && spec.type !== 'enum') built.family.preset();
  return built;
}

function buildFamily(spec: MetricSpec, overflow: (label: string) => void, now?: () => number): BuiltMetric {
  const labelled = spec.labels.length > 0;
  const L = (a: unknown): LabelSet | undefined => (labelled ? (a as LabelSet) : undefined);
  switch (spec.type) {
    case 'counter': {
      const f = new CounterFamily(spec, new LabelGuard(spec.labels, overflow));
      const handle = {
        name: spec.name,
        inc: labelled ? (a?: unknown, b?: number) => f.inc(a as LabelSet, b) : (a?: unknown, b?: unknown) => f.inc(undefined, valueArg(false, a, b)),
        labels: (a?: unknown) => f.child(L(a)),
        reset: () => f.reset(),
      };
      return { spec, family: f, handle: handle as unknown as AnyMetric };
    }
    case 'gauge': {
      const f = new GaugeFamily(spec, new LabelGuard(spec.labels, overflow));
      const v = (a: unknown, b: unknown, d: number) => valueArg(labelled, a, b) ?? d;
      const handle = {
        name: spec.name,
        // set() has no default: a value the caller forgot is a TypeError, not a 0.
        set: (a?: unknown, b?: unknown) => f.set(L(a), valueArg(labelled, a, b) as number),
        inc: (a?: unknown, b?: unknown) => f.inc(L(a), v(a, b, 1)),
        dec: (a?: unknown, b?: unknown) => f.inc(L(a), -v(a, b, 1)),
        labels: (a?: unknown) => f.child(L(a)),
        reset: () => f.reset(),
      };
      return { spec, family: f, handle: handle as unknown as AnyMetric };
    }
    case 'histogram':
    case 'summary': {
      const guard = new LabelGuard(spec.labels, overflow);
      const f = spec.type === 'histogram' ? new HistogramFamily(spec, guard) : new SummaryFamily(spec, guard, now);
      const handle = {
        name: spec.name,
        observe: labelled ? (a: unknown, b: number) => f.observe(a as LabelSet, b) : (a?: unknown, b?: unknown) => f.observe(undefined, valueArg(false, a, b) as number),
        labels: (a?: unknown) => f.child(L(a)),
        startTimer: (a?: unknown) => {
          const child = f.child(L(a));
          return timer((s) => child.observe(s));
        },
        reset: () => f.reset(),
      };
      return { spec, family: f, handle: handle as unknown as AnyMetric };
    }
    case 'info': {
      const f = new GaugeFamily(spec, new LabelGuard(spec.labels, overflow));
      const handle: InfoMetric<LabelSet> = {
        name: spec.name,
        info: (labels) => f.replace([{ labels, value: 1 }]),
      };
      return { spec, family: f, handle };
    }
    case 'enum': {
      // Python's Enum: the state label is named after the metric itself.
      const states = spec.states ?? [];
      const f = new GaugeFamily(spec, new LabelGuard([{ name: spec.name, values: states }], overflow));
      let current = states[0] ?? '';
      const set = (s: string) => {
        current = s;
        for (const st of states) f.set({ [spec.name]: st }, st === s ? 1 : 0);
      };
      set(current);
      const handle: EnumMetric<string> = {
        name: spec.name,
        state: (s) => {
          if (!states.includes(s)) throw new RangeError(`${spec.name}: "${s}" is not one of ${states.join(', ')}`);
          set(s);
        },
        current: () => current,
      };
      return { spec, family: f, handle };
    }
  }
}
