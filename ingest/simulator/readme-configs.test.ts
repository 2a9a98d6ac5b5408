import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ingestConfigSchema } from '../config.js';
import { describeAssetKind } from './assets/catalog.js';

const readme = readFileSync(new URL('./README.md', import.meta.url), 'utf8');
const yamlBlocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);

describe('the ingest configs the README documents', () => {
  it('documents one per MQTT format', () => {
    expect(yamlBlocks).toHaveLength(2);
  });

  it.each(yamlBlocks.map((block, i) => [i, block] as const))(
    'block %i is a valid ingest section for the pump channels',
    (_, block) => {
      const result = ingestConfigSchema.safeParse((parse(block) as { ingest: unknown }).ingest);
      expect(result.error?.issues ?? []).toEqual([]);
      expect(result.data?.assets[0].channels).toEqual(describeAssetKind('pump').channels);
    },
  );
});
