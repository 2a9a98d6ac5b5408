// Which windows gruwatch owes a score, read back from its own store: a window
// ends on every hop-th cell of the period grid and needs the T frames up to its
// end stored and complete ("ok", not held or filled). Shared by the fault
// matrix's cases so that "every window whose frames are stored is scored
// exactly once" means the same thing in each.

export interface GridFrame {
  atMs: number;
  state: string;
}

export interface WindowGrid {
  T: number;
  hop: number;
  periodMs: number;
}

/** The end times of the windows whose T frames are all stored complete, oldest first. */
export function completeWindowEnds(frames: readonly GridFrame[], grid: WindowGrid): number[] {
  const { T, hop, periodMs } = grid;
  const ends: number[] = [];
  for (let i = T - 1; i < frames.length; i++) {
    const end = frames[i]!;
    if ((Math.round(end.atMs / periodMs) + 1) % hop !== 0) continue;
    const first = frames[i - T + 1]!;
    if (end.atMs - first.atMs !== (T - 1) * periodMs) continue;
    if (frames.slice(i - T + 1, i + 1).some((f) => f.state !== 'ok')) continue;
    ends.push(end.atMs);
  }
  return ends;
}

export interface ScoredWindows {
  expected: number;
  scored: number;
  notScored: number[];
  scoredWithoutFrames: number;
}

/** Compares the windows owed a score with the score times the store holds (one row per window end). */
export function compareScoredWindows(
  frames: readonly GridFrame[],
  scoreAtMs: readonly number[],
  grid: WindowGrid,
): ScoredWindows {
  const expected = new Set(completeWindowEnds(frames, grid));
  const scored = new Set(scoreAtMs);
  const notScored = [...expected].filter((atMs) => !scored.has(atMs));
  return {
    expected: expected.size,
    scored: expected.size - notScored.length,
    notScored,
    scoredWithoutFrames: [...scored].filter((atMs) => !expected.has(atMs)).length,
  };
}
