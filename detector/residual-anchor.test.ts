// Re-anchoring: a steady, bounded new level becomes a second anchor while an alert is open; a
// drift, a shift beyond the bound, a fault that never returns (with a reversal ratio) and a
// level reached without an alert are not anchored; the old level stays normal.
import { describe, expect, it } from 'vitest';
import { reanchorSchema } from './config.js';
import { createResidualAnchors } from './residual-anchor.js';

const T = 2;
const C = 2;

/** Residuals (T, C) with `level` on channel 0 and 0 on channel 1. */
function window(level: number): Float32Array {
  const r = new Float32Array(T * C);
  for (let t = 0; t < T; t++) r[t * C] = level;
  return r;
}

/** Feeds `levels` (one window a second) and returns channel 0's last anchored residual. */
function run(levels: number[], options: Record<string, number> = {}, alertOpen = true) {
  const anchors = createResidualAnchors(
    reanchorSchema.parse({
      fastAlpha: 0.5,
      steadyTolerance: 0.2,
      steadyMs: 10_000,
      maxOffset: 2,
      ...options,
    }),
    1,
  );
  let out: Float32Array = new Float32Array(0);
  levels.forEach((level, i) => {
    out = anchors.apply('pump-1', window(level), T, C, alertOpen, i * 1_000);
  });
  return { last: out[(T - 1) * C]!, anchors };
}

const steps = (level: number, n: number) => new Array<number>(n).fill(level);

describe('residual anchors', () => {
  it('anchors a steady level within the bound once it has held for steadyMs, and keeps the old level normal', () => {
    const { last, anchors } = run([...steps(1.5, 40)]);
    expect(Math.abs(last)).toBeLessThan(0.01);
    expect(anchors.snapshot()['pump-1']!.offset[0]).toBeCloseTo(1.5, 3);
    // Back at the trained level: the nearer anchor is 0 again.
    const back = anchors.apply('pump-1', window(0), T, C, true, 41_000);
    expect(back[(T - 1) * C]).toBe(0);
  });

  it('does not anchor a shift beyond maxOffset, a level reached with no alert open, or a level not yet steady for steadyMs', () => {
    expect(run(steps(3, 40)).last).toBeCloseTo(3, 5);
    expect(run(steps(1.5, 40), {}, false).last).toBeCloseTo(1.5, 5);
    expect(run(steps(1.5, 8)).last).toBeCloseTo(1.5, 5);
  });

  it('does not anchor a drift that leaves the steady band', () => {
    const drift = Array.from({ length: 60 }, (_, i) => i * 0.03);
    expect(run(drift).last).toBeCloseTo(59 * 0.03, 5);
  });

  it('with a reversal ratio, anchors only a level that has partly returned from its peak', () => {
    expect(run(steps(1.5, 40), { reversalRatio: 0.7 }).last).toBeCloseTo(1.5, 5);
    const { last } = run([...steps(2, 10), ...steps(1, 40)], { reversalRatio: 0.7 });
    expect(Math.abs(last)).toBeLessThan(0.01);
  });

  it('with gradualStep, keeps a persistent step detected and anchors a gradual move without a return', () => {
    const guard = { reversalRatio: 0.7, gradualStep: 0.3 };
    // A step held to the end: it jumped and never returned, so it is never anchored.
    expect(run([...steps(0, 5), ...steps(1.5, 60)], guard).last).toBeCloseTo(1.5, 5);
    // The same level reached over 20 windows (a set-point ramp) is anchored once steady.
    const ramp = Array.from({ length: 20 }, (_, i) => (1.5 * (i + 1)) / 20);
    const { last } = run([...steps(0, 5), ...ramp, ...steps(1.5, 40)], guard);
    expect(Math.abs(last)).toBeLessThan(0.01);
    // A step that partly returned is still anchored by the reversal ratio.
    expect(Math.abs(run([...steps(0, 5), ...steps(2, 10), ...steps(1, 40)], guard).last)).toBeLessThan(0.01);
  });

  it('with gradualStep, remembers the jump that came before the alert opened', () => {
    const anchors = createResidualAnchors(
      reanchorSchema.parse({
        fastAlpha: 0.05,
        steadyTolerance: 0.2,
        steadyMs: 10_000,
        maxOffset: 2,
        reversalRatio: 0.7,
        gradualStep: 0.3,
      }),
      1,
    );
    let out: Float32Array = new Float32Array(0);
    // The step comes 8 windows before the alert opens (the alert's own delay).
    for (let i = 0; i < 80; i++)
      out = anchors.apply('pump-1', window(i < 5 ? 0 : 1.5), T, C, i >= 13, i * 1_000);
    expect(out[(T - 1) * C]).toBeCloseTo(1.5, 5);
  });

  it('restores from a snapshot and forgets dropped assets', () => {
    const { anchors } = run(steps(1.5, 40));
    const config = reanchorSchema.parse({ fastAlpha: 0.5, steadyTolerance: 0.2, steadyMs: 10_000 });
    const restored = createResidualAnchors(config, 1, anchors.snapshot());
    expect(Math.abs(restored.apply('pump-1', window(1.5), T, C, false, 50_000)[(T - 1) * C]!)).toBeLessThan(
      0.01,
    );
    restored.drop('pump-1');
    expect(restored.snapshot()).toEqual({});
  });
});
