// Group commit: the deliveries whose commit has not started yet are written together, in one store
// transaction, once the commit before them has finished. A transaction's cost is mostly its fsync,
// not its size, so the deliveries that wait for their commit together (an MQTT connection's window
// of unacknowledged messages, several connections, Kafka partitions) share one fsync instead of
// queueing for one each. Every delivery still
// resolves only after the transaction holding it committed, and a failed transaction rejects
// every delivery in it: nothing is acknowledged that is not durable.
import type { JournalDelivery, PipelineCommit, RecordBatch } from '../sinks/index.js';

/** What one delivery brings to a group: its records, journal and the state of the assets it touched. */
export interface GroupMember {
  batch: RecordBatch;
  journal: JournalDelivery;
  assetState: ReadonlyMap<string, string>;
}

export interface CommitGroups {
  /**
   * Adds a delivery to the group that starts next, after the running one; resolves once that
   * group's transaction committed, rejects with its error.
   */
  join(member: GroupMember): Promise<void>;
}

/** Writes one group; may wait (a full store) before its transaction commits. */
export type CommitGroup = (batch: RecordBatch, pipeline: PipelineCommit) => Promise<void>;

function append<T>(to: T[], from: readonly T[]): void {
  for (let i = 0; i < from.length; i++) to.push(from[i]!);
}

/**
 * The members in order as one commit: records and journals concatenated, each asset's state the
 * latest member's (a later delivery's snapshot already holds what the earlier ones changed).
 */
export function mergeMembers(members: readonly GroupMember[]): {
  batch: RecordBatch;
  pipeline: PipelineCommit;
} {
  if (members.length === 1) {
    const [only] = members;
    return { batch: only.batch, pipeline: { journal: [only.journal], assetState: only.assetState } };
  }
  const batch: RecordBatch = { scores: [], alerts: [], frames: [] };
  const modelEvents: NonNullable<RecordBatch['modelEvents']> = [];
  const journal: JournalDelivery[] = [];
  const assetState = new Map<string, string>();
  for (const m of members) {
    // Appended one by one: a spread of a large delivery's records would exceed the call stack.
    append(batch.scores, m.batch.scores);
    append(batch.alerts, m.batch.alerts);
    append(batch.frames, m.batch.frames);
    append(modelEvents, m.batch.modelEvents ?? []);
    journal.push(m.journal);
    for (const [assetId, state] of m.assetState) assetState.set(assetId, state);
  }
  if (modelEvents.length > 0) batch.modelEvents = modelEvents;
  return { batch, pipeline: { journal, assetState } };
}

/** The next turn of the event loop, after the I/O callbacks of this one (other connections' messages). */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export function createCommitGroups(commit: CommitGroup): CommitGroups {
  let gathering: { members: GroupMember[]; committed: Promise<void> } | undefined;
  // Groups commit one after another, in the order their first delivery joined.
  let previous: Promise<void> = Promise.resolve();

  const start = (): { members: GroupMember[]; committed: Promise<void> } => {
    const members: GroupMember[] = [];
    const committed = previous.then(nextTurn).then(() => {
      // Closed from here on: a delivery joining now waits for the next group.
      gathering = undefined;
      const merged = mergeMembers(members);
      return commit(merged.batch, merged.pipeline);
    });
    previous = committed.catch(() => {});
    return { members, committed };
  };

  return {
    join(member) {
      gathering ??= start();
      gathering.members.push(member);
      return gathering.committed;
    },
  };
}
