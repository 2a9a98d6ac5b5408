// The seeded generators: sequences pinned (models, fixtures and figures depend on them), the
// distributions of every draw, and independent streams.
import { describe, expect, it } from 'vitest';
import { createRng, deriveSeed, shuffleInPlace } from './rng.js';

function draw(n: number, f: () => number): number[] {
  return Array.from({ length: n }, f);
}

describe('createRng', () => {
  it('keeps the sequences that trained models, fixtures and figures were made with', () => {
    const mulberry = createRng(42, { pairGaussians: true });
    expect([mulberry.next(), mulberry.next(), mulberry.next()]).toEqual([
      0.6011037519201636, 0.44829055899754167, 0.8524657934904099,
    ]);
    expect([mulberry.gaussian(), mulberry.gaussian(), mulberry.gaussian()]).toEqual([
      0.6773277072041898, 1.3254965881566083, -0.1778509189597297,
    ]);
    const xoshiro = createRng(42, { algorithm: 'xoshiro128**' });
    expect([xoshiro.next(), xoshiro.next(), xoshiro.next()]).toEqual([
      0.6606157226487994, 0.12688010395504534, 0.11170196393504739,
    ]);
    expect([xoshiro.gaussian(), xoshiro.gaussian()]).toEqual([1.6146212941544271, 0.23004555062773258]);
  });

  it('draws two uniforms per gaussian unless asked to pair them', () => {
    const single = createRng(9);
    const paired = createRng(9, { pairGaussians: true });
    expect(paired.gaussian()).toBe(single.gaussian());
    paired.gaussian();
    expect(paired.next()).toBe(single.next());
  });

  it('names a stream by deriving its seed from the label', () => {
    const named = createRng(5, { stream: 'noise:pump-001' });
    const derived = createRng(deriveSeed(5, 'noise:pump-001'));
    expect(draw(10, () => named.next())).toEqual(draw(10, () => derived.next()));
  });

  it('repeats its sequence for a seed and differs between seeds', () => {
    const a = createRng(123);
    const b = createRng(123);
    const c = createRng(124);
    const first = draw(1000, () => a.next());
    expect(draw(1000, () => b.next())).toEqual(first);
    expect(draw(1000, () => c.next())).not.toEqual(first);
  });

  it.each([
    ['mulberry32', false],
    ['mulberry32', true],
    ['xoshiro128**', false],
  ] as const)(
    '%s (paired gaussians: %s) draws uniforms in [0, 1) with mean 1/2 and Gaussians with mean 0 and variance 1',
    (algorithm, pairGaussians) => {
      const rng = createRng(7, { algorithm, pairGaussians });
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
    },
  );
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

describe('shuffleInPlace', () => {
  it('permutes every element exactly once', () => {
    const order = Uint32Array.from({ length: 100 }, (_, i) => i);
    shuffleInPlace(order, createRng(3));
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect([...order]).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
