// The cardinality guard: turns a caller's label object into the key of one series. Values outside a label's
// enum, or past its declared number of values, fold into the overflow value and are counted, so a bad caller
// cannot grow memory without bound. Label names the catalog does not declare are ignored.
import type { LabelSpec } from './spec.js';
import { OVERFLOW_VALUE } from './spec.js';

export type LabelSet = { readonly [name: string]: string };

/** A series key: a number when every label's domain is bounded and their product fits in 2^53, else a string. */
export type SeriesKey = number | string;

const UNSEEN: unique symbol = Symbol('unseen');

/**
 * Each label's accepted values are numbered (an enum's in declaration order, a bounded label's as they first
 * arrive); the overflow value takes the number after the last slot. A series key is those numbers in mixed radix,
 * so looking a series up costs one Map lookup by number, without building a string per call.
 *
 * Each label also remembers the last value it accepted and its number: callers pass the same string constants
 * again and again, and an identity comparison is cheaper than a Map lookup.
 */
export class LabelGuard {
  readonly names: readonly string[];
  private readonly numbers: Map<string, number>[];
  /** Per label, its accepted values by number (the reverse of `numbers`). */
  private readonly values: string[][];
  /** Per label, how many values it may accept: an enum's size, max_values, or Infinity. */
  private readonly slots: number[];
  private readonly closed: boolean[];
  private readonly radix: number[];
  private readonly numeric: boolean;
  private readonly lastValue: unknown[];
  private readonly lastNumber: number[];

  /** `overflow(label)` is called once per folded value. */
  constructor(
    labels: readonly LabelSpec[],
    private readonly overflow: (label: string) => void,
  ) {
    this.names = labels.map((l) => l.name);
    this.values = labels.map((l) => (l.values ? [...l.values] : []));
    this.numbers = this.values.map((vs) => new Map(vs.map((v, i) => [v, i])));
    this.closed = labels.map((l) => l.values !== undefined);
    this.slots = labels.map((l) => (l.values ? l.values.length : (l.maxValues ?? Infinity)));
    this.radix = this.slots.map((s) => s + 1);
    this.numeric = this.radix.reduce((p, r) => p * r, 1) <= Number.MAX_SAFE_INTEGER;
    this.lastValue = labels.map(() => UNSEEN);
    this.lastNumber = labels.map(() => -1);
  }

  /** The key of the series these labels record into (folding what the domain cannot hold). */
  key(labels: LabelSet | undefined): SeriesKey {
    const names = this.names;
    const n = names.length;
    if (n === 0) return 0;
    const l = (labels ?? {}) as Record<string, unknown>;
    if (this.numeric) {
      let key = 0;
      for (let i = 0; i < n; i++) {
        const v = l[names[i]!];
        key = key * this.radix[i]! + (v === this.lastValue[i] ? this.lastNumber[i]! : this.number(i, v));
      }
      return key;
    }
    let key = '';
    for (let i = 0; i < n; i++) {
      const v = l[names[i]!];
      key += `${v === this.lastValue[i] ? this.lastNumber[i]! : this.number(i, v)},`;
    }
    return key;
  }

  /** A value's number in its label's domain; the overflow number (and one overflow counted) when it has none. */
  private number(i: number, raw: unknown): number {
    // A missing label records as the empty string, as prom-client fills it. Only primitives are values: what a
    // label named like an Object.prototype member (constructor, toString) inherits is a function, not a value.
    const value = typeof raw === 'string' ? raw : typeof raw === 'number' || typeof raw === 'boolean' || typeof raw === 'bigint' ? String(raw) : '';
    const numbers = this.numbers[i]!;
    let n = numbers.get(value);
    if (n === undefined && !this.closed[i] && numbers.size < this.slots[i]!) {
      n = numbers.size;
      numbers.set(value, n);
      this.values[i]!.push(value);
    }
    if (n === undefined) {
      this.overflow(this.names[i]!);
      return this.slots[i]!;
    }
    // Only strings are remembered: a number 200 and the string "200" are one value, but only "200" is that string.
    if (typeof raw === 'string') {
      this.lastValue[i] = raw;
      this.lastNumber[i] = n;
    }
    return n;
  }

  /** The label object of a series key: declared names in declared order, each with its value as recorded. */
  labelsOf(key: SeriesKey): Record<string, string> {
    const out: Record<string, string> = {};
    const n = this.names.length;
    if (typeof key === 'number') {
      const digits = new Array<number>(n);
      for (let i = n - 1; i >= 0; i--) {
        digits[i] = key % this.radix[i]!;
        key = Math.floor(key / this.radix[i]!);
      }
      for (let i = 0; i < n; i++) out[this.names[i]!] = this.valueOf(i, digits[i]!);
    } else {
      const parts = key.split(',');
      for (let i = 0; i < n; i++) out[this.names[i]!] = this.valueOf(i, Number(parts[i]));
    }
    return out;
  }

  private valueOf(i: number, n: number): string {
    return n === this.slots[i] ? OVERFLOW_VALUE : this.values[i]![n]!;
  }
}
