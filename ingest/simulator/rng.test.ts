import { describe, expect, it } from 'vitest';
import { createRng, deriveSeed } from './rng.js';

function draw(n: number, f: () => number): number[] {
  return Array.from({ length: n }, f);
}

describe('createRng', () => {
  it('repeats its sequence for a seed and differs between seeds', () => {
    const a = createRng(123);
    const b = createRng(123);
    const c = createRng(124);
    const first = draw(1000, () => a.next());
    expect(draw(1000, () => b.next())).toEqual(first);
    expect(draw(1000, () => c.next())).not.toEqual(first);
  });

  it('draws uniforms in [0, 1) with mean 1/2 and Gaussians with mean 0 and variance 1', () => {
    const rng = createRng(7);
    const u = draw(200_000, () => rng.next());
    expect(u.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(Math.abs(u.reduce((s, v) => s + v, 0) / u.length - 0.5)).toBeLessThan(0.005);
    const g = draw(200_000, () => rng.gaussian());
    const mean = g.reduce((s, v) => s + v, 0) / g.length;
    const variance = g.reduce((s, v) => s + (v - mean) ** 2, 0) / g.length;
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(variance - 1)).toBeLessThan(0.02);
    // About 4.55 % of a standard normal lies beyond ±2.
    const tails = g.filter((v) => Math.abs(v) > 2).length / g.length;
    expect(Math.abs(tails - 0.0455)).toBeLessThan(0.003);
    const e = draw(200_000, () => rng.exponential(5));
    expect(Math.abs(e.reduce((s, v) => s + v, 0) / e.length - 5)).toBeLessThan(0.1);
    const ints = draw(60_000, () => rng.int(6));
    for (let k = 0; k < 6; k++)
      expect(Math.abs(ints.filter((v) => v === k).length - 10_000)).toBeLessThan(400);
  });
});

describe('deriveSeed', () => {
  it('gives distinct, repeatable seeds for neighbouring labels and parent seeds', () => {
    const labels = Array.from({ length: 1000 }, (_, i) => `noise:pump-${String(i + 1).padStart(3, '0')}`);
    const seeds = labels.map((l) => deriveSeed(1, l));
    expect(new Set(seeds).size).toBe(1000);
    expect(labels.map((l) => deriveSeed(1, l))).toEqual(seeds);
    expect(deriveSeed(2, labels[0])).not.toBe(seeds[0]);
    // Neighbouring labels start uncorrelated streams.
    const x = draw(
      1000,
      (() => {
        const r = createRng(seeds[0]);
        return () => r.next();
      })(),
    );
    const y = draw(
      1000,
      (() => {
        const r = createRng(seeds[1]);
        return () => r.next();
      })(),
    );
    const mean = (v: number[]): number => v.reduce((s, a) => s + a, 0) / v.length;
    const mx = mean(x);
    const my = mean(y);
    const cov = mean(x.map((v, i) => (v - mx) * (y[i] - my)));
    expect(Math.abs(cov / (1 / 12))).toBeLessThan(0.1);
  });
});
