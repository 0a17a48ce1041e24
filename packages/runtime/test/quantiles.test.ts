import { describe, expect, it } from 'vitest';
import { ALPHA, QuantileWindow, Sketch } from '../src/quantiles.js';

/** Exact q-quantile with the sketch's rank convention: the value of rank floor(q * (n - 1)). */
function exact(sorted: readonly number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}

function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1664525 + 1013904223) % 4294967296;
    return s / 4294967296;
  };
}

describe('DDSketch quantiles', () => {
  it('are within the relative error of the exact quantile, for positive, negative and zero values', () => {
    const rnd = random(7);
    const values = Array.from({ length: 5000 }, (_, i) => (i % 10 === 0 ? 0 : (rnd() - 0.2) * 10 ** (rnd() * 6 - 3)));
    const sk = new Sketch();
    for (const v of values) sk.add(v);
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of [0, 0.01, 0.1, 0.25, 0.5, 0.9, 0.99, 0.999, 1]) {
      const want = exact(sorted, q);
      expect(Math.abs(sk.quantile(q) - want), `q=${q}`).toBeLessThanOrEqual(Math.abs(want) * ALPHA + 1e-12);
    }
  });

  it('stay within the relative error at the ends of the double range (near Number.MAX_VALUE and subnormal-free small values)', () => {
    for (const [lo, hi] of [
      [1e307, Number.MAX_VALUE],
      [-Number.MAX_VALUE, -1e307],
      [1e-300, 1e-290],
    ] as const) {
      const values = Array.from({ length: 1001 }, (_, i) => lo + ((hi - lo) / 1000) * i);
      const sk = new Sketch();
      for (const v of values) sk.add(v);
      const sorted = [...values].sort((a, b) => a - b);
      for (const q of [0.01, 0.1, 0.5, 0.9, 0.99]) {
        const got = sk.quantile(q);
        const want = exact(sorted, q);
        expect(Number.isFinite(got), `q=${q} of [${lo}, ${hi}]`).toBe(true);
        expect(Math.abs(got - want), `q=${q} of [${lo}, ${hi}]`).toBeLessThanOrEqual(Math.abs(want) * ALPHA);
      }
    }
  });

  it('merged sketches answer as one sketch of all the values (a cluster of workers)', () => {
    const a = new Sketch();
    const b = new Sketch();
    const all = new Sketch();
    for (let i = 1; i <= 100; i++) {
      (i % 2 ? a : b).add(i);
      all.add(i);
    }
    const m = new Sketch();
    m.merge(a.data());
    m.merge(b.data());
    for (const q of [0.5, 0.9, 0.99]) expect(m.quantile(q)).toBe(all.quantile(q));
  });

  it('two workers each observing 10: every quantile is 10, never their sum', () => {
    const merged = new Sketch();
    for (let w = 0; w < 2; w++) {
      const s = new Sketch();
      s.add(10);
      merged.merge(s.data());
    }
    expect(merged.quantile(0.5)).toBe(10);
    expect(merged.quantile(0.99)).toBe(10);
  });

  it('an empty window has no quantile (NaN); estimates stay within the observed range', () => {
    expect(new Sketch().quantile(0.5)).toBeNaN();
    const s = new Sketch();
    s.add(3.3);
    expect(s.quantile(0)).toBe(3.3);
    expect(s.quantile(1)).toBe(3.3);
  });

  it('the window forgets observations older than maxAge, part by part', () => {
    let now = 0;
    const w = new QuantileWindow(10, 5, () => now);
    w.observe(100);
    now = 5_000;
    w.observe(1);
    expect(w.current().count).toBe(2);
    now = 10_001; // the part holding 100 and 1 has rotated out; the next holds only 1
    expect(w.current().quantile(1)).toBe(1);
    now = 30_000;
    expect(w.current().quantile(0.5)).toBeNaN();
  });
});
