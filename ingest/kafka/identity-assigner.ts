// A kafkajs partition assigner sticky to each member's stable identity (the
// instance name, not the member id Kafka gives per join), so that after a
// rolling restart every partition returns to the instance whose local store
// and memory hold its assets. Partition p of topic t goes to the member that
// ranks highest for (t, p) by rendezvous hashing of identities, capped at an
// even share: the same set of identities always gives the same assignment,
// and a member leaving moves only its own partitions.
import { createHash } from 'node:crypto';
import kafkajs, { type PartitionAssigner } from 'kafkajs';

const { AssignerProtocol } = kafkajs;

export interface AssignerMember {
  memberId: string;
  identity: string;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

const rank = (identity: string, topic: string, partition: number): string =>
  createHash('sha256').update(`${identity}\u0000${topic}\u0000${partition}`).digest('hex');

/** Assignment per member id: topic → partitions. Pure: same members and partitions, same answer. */
export function assignByIdentity(
  members: readonly AssignerMember[],
  partitions: readonly TopicPartition[],
): Map<string, Record<string, number[]>> {
  const out = new Map<string, Record<string, number[]>>(members.map((m) => [m.memberId, {}]));
  if (members.length === 0) return out;
  // Members sharing an identity (a misconfiguration) are told apart by member id, deterministically.
  const sorted = [...members].sort((a, b) =>
    a.identity === b.identity ? a.memberId.localeCompare(b.memberId) : a.identity.localeCompare(b.identity),
  );
  const seen = new Map<string, number>();
  const keyed = sorted.map((m) => {
    const n = seen.get(m.identity) ?? 0;
    seen.set(m.identity, n + 1);
    return { m, key: n === 0 ? m.identity : `${m.identity}#${n}` };
  });
  const cap = Math.ceil(partitions.length / members.length);
  const counts = new Map<string, number>();
  const ordered = [...partitions].sort((a, b) =>
    a.topic === b.topic ? a.partition - b.partition : a.topic.localeCompare(b.topic),
  );
  for (const { topic, partition } of ordered) {
    const preference = keyed
      .map(({ m, key }) => ({ m, r: rank(key, topic, partition) }))
      .sort((a, b) => (a.r < b.r ? 1 : a.r > b.r ? -1 : 0));
    const chosen = preference.find(({ m }) => (counts.get(m.memberId) ?? 0) < cap)!.m;
    counts.set(chosen.memberId, (counts.get(chosen.memberId) ?? 0) + 1);
    const assignment = out.get(chosen.memberId)!;
    assignment[topic] = [...(assignment[topic] ?? []), partition];
  }
  return out;
}

/** The kafkajs assigner announcing `identity` in its member metadata. */
export function createIdentityAssigner(identity: string): PartitionAssigner {
  return ({ cluster }) => ({
    name: 'GruwatchIdentitySticky',
    version: 1,
    async assign({ members, topics }) {
      const partitions: TopicPartition[] = [];
      for (const topic of topics)
        for (const p of cluster.findTopicPartitionMetadata(topic))
          partitions.push({ topic, partition: p.partitionId });
      const identified = members.map((m) => {
        const meta = AssignerProtocol.MemberMetadata.decode(m.memberMetadata);
        const id = meta?.userData?.toString() ?? '';
        return { memberId: m.memberId, identity: id === '' ? m.memberId : id };
      });
      return [...assignByIdentity(identified, partitions)].map(([memberId, assignment]) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 1,
          assignment,
          userData: Buffer.alloc(0),
        }),
      }));
    },
    protocol({ topics }) {
      return {
        name: 'GruwatchIdentitySticky',
        metadata: AssignerProtocol.MemberMetadata.encode({
          version: 1,
          topics,
          userData: Buffer.from(identity),
        }),
      };
    },
  });
}
