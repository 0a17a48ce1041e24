// Summary quantiles over a sliding time window, mergeable across processes.
//
// Each window part is a DDSketch (Masson, Rim and Lee, "DDSketch: A Fast and Fully-Mergeable Quantile Sketch with
// Relative-Error Guarantees", VLDB 2019): observations are counted in logarithmic bins, so any quantile is known
// within a relative error of ALPHA of an observed value, memory is bounded by the values' range (not their
// number), and two sketches merge exactly by adding their bins. That last property is why: the quantiles of a
// Node cluster are the quantiles of all workers' observations together, never a sum or average of per-worker
// quantiles (prom-client issue 225). An estimate is clamped to the smallest and largest value observed, so no
// quantile lies outside what was observed; an empty window has no quantiles (NaN, as Prometheus' Go client).
//
// The window is the Go and Python clients' scheme: `ageBuckets` sketches each collect every observation; every
// maxAge/ageBuckets seconds the oldest is cleared and starts again, and quantiles are read from the oldest, which
// holds between (1 - 1/ageBuckets) and 1 times maxAge of observations.

/** Relative accuracy of a quantile: within 1 % of the value of an observation of that rank. */
export const ALPHA = 0.01;
const GAMMA = (1 + ALPHA) / (1 - ALPHA);
const LOG_GAMMA = Math.log(GAMMA);

/** A sketch's state as plain data (what a cluster worker sends the primary). */
export interface SketchData {
  /** Bin index -> count, for positive values; bin i holds (GAMMA^(i-1), GAMMA^i]. */
  pos: [number, number][];
  /** The same for the magnitudes of negative values. */
  neg: [number, number][];
  zero: number;
  count: number;
  min: number;
  max: number;
}

export class Sketch {
  private pos = new Map<number, number>();
  private neg = new Map<number, number>();
  private zero = 0;
  count = 0;
  private min = Infinity;
  private max = -Infinity;

  add(v: number): void {
    if (v !== v) return; // NaN has no rank
    if (v > 0) bump(this.pos, bin(v));
    else if (v < 0) bump(this.neg, bin(-v));
    else this.zero++;
    this.count++;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  clear(): void {
    this.pos.clear();
    this.neg.clear();
    this.zero = this.count = 0;
    this.min = Infinity;
    this.max = -Infinity;
  }

  merge(d: SketchData): void {
    for (const [i, c] of d.pos) bump(this.pos, i, c);
    for (const [i, c] of d.neg) bump(this.neg, i, c);
    this.zero += d.zero;
    this.count += d.count;
    this.min = Math.min(this.min, d.min);
    this.max = Math.max(this.max, d.max);
  }

  data(): SketchData {
    return { pos: [...this.pos], neg: [...this.neg], zero: this.zero, count: this.count, min: this.min, max: this.max };
  }

  /** The q-quantile (0 <= q <= 1) of what was added, within ALPHA relative error; NaN when nothing was. */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    const rank = q * (this.count - 1);
    let seen = 0;
    // Negative values from the most negative (largest magnitude bin) up, then zeros, then positives.
    for (const [i, c] of [...this.neg].sort((a, b) => b[0] - a[0])) {
      seen += c;
      if (seen > rank) return this.clamp(-value(i));
    }
    seen += this.zero;
    if (seen > rank) return this.clamp(0);
    for (const [i, c] of [...this.pos].sort((a, b) => a[0] - b[0])) {
      seen += c;
      if (seen > rank) return this.clamp(value(i));
    }
    return this.max;
  }

  private clamp(v: number): number {
    return Math.min(this.max, Math.max(this.min, v));
  }
}

const bin = (magnitude: number): number => Math.ceil(Math.log(magnitude) / LOG_GAMMA);
/**
 * The bin's representative value, 2 * GAMMA^i / (GAMMA + 1): within ALPHA of every value in (GAMMA^(i-1), GAMMA^i].
 * Computed as exp(i * ln GAMMA + ln(2 / (GAMMA + 1))) because GAMMA^i alone overflows to Infinity for the top bins
 * of the double range (values near Number.MAX_VALUE), whose representative itself is finite.
 */
const value = (i: number): number => Math.exp(i * LOG_GAMMA + LOG_REPRESENTATIVE);
const LOG_REPRESENTATIVE = Math.log(2 / (GAMMA + 1));

function bump(m: Map<number, number>, i: number, by = 1): void {
  m.set(i, (m.get(i) ?? 0) + by);
}

/** A sliding window of `ageBuckets` sketches rotating every maxAgeSeconds / ageBuckets. */
export class QuantileWindow {
  private readonly ring: Sketch[];
  private oldest = 0;
  private rotatedAt: number;
  private readonly every: number;
  /** Bumped by every rotation that changed what the window holds (so a renderer knows the quantiles moved). */
  rotations = 0;

  constructor(
    maxAgeSeconds: number,
    ageBuckets: number,
    private readonly now: () => number = Date.now,
  ) {
    this.ring = Array.from({ length: Math.max(1, ageBuckets) }, () => new Sketch());
    this.every = (maxAgeSeconds * 1000) / this.ring.length;
    this.rotatedAt = this.now();
  }

  observe(v: number): void {
    this.rotate();
    for (const s of this.ring) s.add(v);
  }

  /** Clears the parts whose time is over (all of them after a long pause). */
  rotate(): void {
    const elapsed = this.now() - this.rotatedAt;
    if (elapsed < this.every) return;
    const steps = Math.min(this.ring.length, Math.floor(elapsed / this.every));
    for (let i = 0; i < steps; i++) {
      const s = this.ring[this.oldest]!;
      if (s.count) this.rotations++;
      s.clear();
      this.oldest = (this.oldest + 1) % this.ring.length;
    }
    this.rotatedAt += Math.floor(elapsed / this.every) * this.every;
  }

  /** The sketch of the current window (the oldest part, which has seen the whole window). */
  current(): Sketch {
    this.rotate();
    return this.ring[this.oldest]!;
  }
}
