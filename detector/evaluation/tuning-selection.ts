// Per-family figures of one `gruwatch eval --json` run over the tuning sets, and the selection
// rule's verdict on it. A family is a file's first path segment (`normal`, `fault`, `setpoint`, …,
// see ingest/simulator/tuning-sets.ts).
import { sumConfusion } from './confusion.js';

interface FileRow {
  file: string;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

interface Family {
  recall: number | null;
  far: number;
  f1: number | null;
  files: number;
}

/**
 * Families whose false-alarm rate bounds a candidate. `setpoint` is reported, not bounded: no
 * detector scored so far brings it near the bound.
 */
export const normalFamilies = ['normal'] as const;
/** Largest false-alarm rate (percent) a candidate may have on each normal family and over all files. */
export const farBound = 10;
/**
 * Families of faults that last to the end of the record, small enough for a new steady level to
 * be taken as normal: a fault must stay detected, so their recall bounds a candidate.
 */
export const heldFaultFamilies = ['held-step'] as const;
/** Smallest recall a candidate may have on each held-fault family present in a run. */
export const heldRecallBound = 0.9;

const percent = (num: number, den: number): number => (den > 0 ? (100 * num) / den : 0);

/** Figures per family, from the per-file confusion counts of one run. */
export function familyFigures(files: readonly FileRow[]): Record<string, Family> {
  const groups = new Map<string, FileRow[]>();
  for (const row of files) {
    const family = row.file.split('/')[0] ?? row.file;
    groups.set(family, [...(groups.get(family) ?? []), row]);
  }
  const out: Record<string, Family> = {};
  for (const [family, rows] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    const { tp, fp, tn, fn } = sumConfusion(rows);
    out[family] = {
      recall: tp + fn > 0 ? tp / (tp + fn) : null,
      far: percent(fp, fp + tn),
      f1: tp + fn > 0 ? tp / (tp + (fp + fn) / 2) : null,
      files: rows.length,
    };
  }
  return out;
}

/**
 * The rule: a candidate is eligible when its false-alarm rate is at most `farBound` on every
 * normal family and over all files and its recall at least `heldRecallBound` on every held-fault
 * family; among the eligible, the largest F1 + NAB standard / 100 over all files wins.
 */
export function judgeRun(run: { f1: number; far: number; nab: { standard: number }; files: FileRow[] }) {
  const families = familyFigures(run.files);
  const normalFar = Math.max(...normalFamilies.map((f) => families[f]?.far ?? 0));
  const heldRecall = Math.min(...heldFaultFamilies.map((f) => families[f]?.recall ?? 1));
  return {
    families,
    normalFar,
    heldRecall,
    far: run.far,
    f1: run.f1,
    nab: run.nab.standard,
    objective: run.f1 + run.nab.standard / 100,
    eligible: normalFar <= farBound && run.far <= farBound && heldRecall >= heldRecallBound,
  };
}
