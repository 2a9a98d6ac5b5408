// The identity assigner: stable for the same identities, balanced, and a
// member that leaves and returns gets back exactly what it had.
import { describe, expect, it } from 'vitest';
import { assignByIdentity, type TopicPartition } from './identity-assigner.js';

const partitions: TopicPartition[] = Array.from({ length: 12 }, (_, partition) => ({
  topic: 'in',
  partition,
}));
const members = (ids: string[], join = 1) =>
  ids.map((identity) => ({ memberId: `${identity}-${join}`, identity }));
const byIdentity = (assignment: Map<string, Record<string, number[]>>) =>
  Object.fromEntries(
    [...assignment].map(([memberId, a]) => [memberId.split('-')[0], (a.in ?? []).sort((x, y) => x - y)]),
  );

describe('identity assigner', () => {
  it('gives every partition to exactly one member, evenly', () => {
    const got = assignByIdentity(members(['a', 'b', 'c']), partitions);
    const all = [...got.values()].flatMap((a) => a.in ?? []).sort((x, y) => x - y);
    expect(all).toEqual(partitions.map((p) => p.partition));
    for (const a of got.values()) expect(a.in).toHaveLength(4);
  });

  it('returns every partition home after a rolling restart, whatever the member ids and join order', () => {
    const before = byIdentity(assignByIdentity(members(['a', 'b', 'c'], 1), partitions));
    for (const gone of ['a', 'b', 'c']) {
      const during = byIdentity(
        assignByIdentity(
          members(
            ['a', 'b', 'c'].filter((x) => x !== gone),
            2,
          ),
          partitions,
        ),
      );
      // The members that stayed keep what they had; only the leaving one's partitions move.
      for (const stayed of Object.keys(during))
        expect(during[stayed]).toEqual(expect.arrayContaining(before[stayed]!));
      const after = byIdentity(assignByIdentity(members(['c', 'a', 'b'], 3), partitions));
      expect(after).toEqual(before);
    }
  });

  it('tells apart two members that claim the same identity', () => {
    const got = assignByIdentity(
      [
        { memberId: 'm1', identity: 'same' },
        { memberId: 'm2', identity: 'same' },
      ],
      partitions,
    );
    expect((got.get('m1')!.in ?? []).length + (got.get('m2')!.in ?? []).length).toBe(12);
    expect(got.get('m1')!.in).toHaveLength(6);
  });
});
