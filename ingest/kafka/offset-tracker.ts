// At-least-once bookkeeping for one Kafka partition: offsets are handed out in
// order and may complete in any order; the committable offset is one past the
// highest offset below which every handed-out record has completed.

export class OffsetTracker {
  // Offsets in hand-out order with their completion; the front is the oldest incomplete one.
  #offsets: bigint[] = [];
  #isDone: boolean[] = [];
  #front = 0;
  #committable: bigint | undefined;
  #lastCommitted: bigint | undefined;

  /**
   * Records that `offset` was handed to the pipeline. Offsets increase, except when the partition is
   * read again from an earlier offset (a seek after a failure, or a fetch from the committed offset
   * after a rebalance): then the entries from `offset` on are forgotten, since they come again.
   * Earlier outstanding entries stay outstanding, and the committable offset never moves back.
   */
  take(offset: bigint): void {
    const n = this.#offsets.length;
    if (n > 0 && offset <= this.#offsets[n - 1]) {
      const i = this.#lowerBound(offset);
      this.#offsets.length = i;
      this.#isDone.length = i;
      if (this.#front > i) this.#front = i;
    }
    this.#offsets.push(offset);
    this.#isDone.push(false);
  }

  /** Marks `offset` completed. Returns false if it is not outstanding (e.g. from before a reset). */
  complete(offset: bigint): boolean {
    const i = this.#indexOf(offset);
    if (i < 0) return false;
    this.#isDone[i] = true;
    while (this.#front < this.#offsets.length && this.#isDone[this.#front]) {
      const next = this.#offsets[this.#front] + 1n;
      if (this.#committable === undefined || next > this.#committable) this.#committable = next;
      this.#front++;
    }
    if (this.#front > 1024 && this.#front * 2 > this.#offsets.length) {
      this.#offsets = this.#offsets.slice(this.#front);
      this.#isDone = this.#isDone.slice(this.#front);
      this.#front = 0;
    }
    return true;
  }

  get outstanding(): number {
    return this.#offsets.length - this.#front;
  }

  /** The offset to commit (the next record to read), if it moved since the last markCommitted. */
  pendingCommit(): bigint | undefined {
    return this.#committable !== undefined && this.#committable !== this.#lastCommitted
      ? this.#committable
      : undefined;
  }

  markCommitted(offset: bigint): void {
    this.#lastCommitted = offset;
  }

  /** First index whose offset is >= `offset` (the array is sorted). */
  #lowerBound(offset: bigint): number {
    let lo = 0;
    let hi = this.#offsets.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#offsets[mid] < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #indexOf(offset: bigint): number {
    // Binary search: offsets are increasing.
    let lo = this.#front;
    let hi = this.#offsets.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.#offsets[mid];
      if (v === offset) return this.#isDone[mid] ? -1 : mid;
      if (v < offset) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }
}
