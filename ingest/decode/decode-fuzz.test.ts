// Property-based fuzzing of every decoder (issue 4 item 6): random bytes and
// mutated real payloads must always come back as a DecodeResult whose
// readings hold the reading invariants. The total case count is printed and checked.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import sparkplugPayload from 'sparkplug-payload';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/index.js';
import { decoderConfigSchema } from './config.js';
import { createDecoder } from './create-decoder.js';
import type { DecodeContext, DecodeResult, Decoder } from './decoder.js';

const sparkplugB = sparkplugPayload.get('spBv1.0')!;
const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));
const encode = (text: string) => new TextEncoder().encode(text);
const t0 = 1732530000000;
const earliestMs = Date.UTC(2000, 0, 1);
const maxFutureSkewMs = 300_000;
const minimumCases = 100_000;
const reasons = new Set([
  'payload_empty',
  'payload_too_large',
  'invalid_encoding',
  'invalid_json',
  'invalid_line_protocol',
  'invalid_sparkplug',
  'missing_field',
  'invalid_value',
  'invalid_timestamp',
  'unknown_alias',
  'sequence_gap',
  'unsupported_message',
]);
const casesByDecoder = { json: 0, 'influx-line': 0, 'sparkplug-b': 0 };
/** Results that carried readings: proof the fuzzers reach the decoding paths, not only the early rejections. */
const readingResultsByDecoder = { json: 0, 'influx-line': 0, 'sparkplug-b': 0 };

/** Decodes once, failing the property if anything throws or an invariant breaks. */
function check(
  kind: keyof typeof casesByDecoder,
  decoder: Decoder,
  payload: Uint8Array,
  context: DecodeContext,
): DecodeResult {
  casesByDecoder[kind]++;
  const result = decoder.decode(payload, context);
  if (result.ok) {
    if (result.readings.length > 0) readingResultsByDecoder[kind]++;
    for (const r of result.readings) {
      if (typeof r.assetId !== 'string' || r.assetId.length === 0)
        throw new Error(`empty asset in ${JSON.stringify(r)}`);
      if (typeof r.channel !== 'string' || r.channel.length === 0)
        throw new Error(`empty channel in ${JSON.stringify(r)}`);
      if (!Number.isFinite(r.value)) throw new Error(`non-finite value in ${JSON.stringify(r)}`);
      if (
        !Number.isFinite(r.timestampMs) ||
        r.timestampMs < earliestMs ||
        r.timestampMs > context.receivedAtMs + maxFutureSkewMs
      ) {
        throw new Error(`timestamp out of range in ${JSON.stringify(r)}`);
      }
    }
    for (const issue of result.partialIssues ?? []) checkIssue(issue);
  } else {
    checkIssue(result.issue);
  }
  for (const command of result.commands ?? []) {
    if (!(command.payload instanceof Uint8Array) || !command.topic.startsWith('spBv1.0/'))
      throw new Error('bad command');
  }
  return result;
}

function checkIssue(issue: { reason: string; message: string }): void {
  if (!reasons.has(issue.reason)) throw new Error(`unknown reason ${issue.reason}`);
  if (typeof issue.message !== 'string' || issue.message.length === 0)
    throw new Error('issue without message');
}

/** Byte-level mutations: bit flips, truncation, insertion, deletion, splicing with another seed. */
const mutationArb = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), other: fc.nat(), from: fc.nat() }),
);
type Mutation = typeof mutationArb extends fc.Arbitrary<infer M> ? M : never;

function mutate(seed: Uint8Array, mutations: Mutation[], seeds: Uint8Array[]): Uint8Array {
  let bytes = seed;
  for (const m of mutations) {
    const at = bytes.length === 0 ? 0 : m.at % (bytes.length + 1);
    if (m.kind === 'flip' && bytes.length > 0) {
      bytes = bytes.slice();
      bytes[at % bytes.length] ^= 1 << m.bit;
    } else if (m.kind === 'truncate') bytes = bytes.slice(0, at);
    else if (m.kind === 'insert') bytes = concat(bytes.slice(0, at), m.bytes, bytes.slice(at));
    else if (m.kind === 'delete') bytes = concat(bytes.slice(0, at), bytes.slice(at + m.length));
    else if (m.kind === 'splice') {
      const other = seeds[m.other % seeds.length];
      bytes = concat(bytes.slice(0, at), other.slice(other.length === 0 ? 0 : m.from % other.length));
    }
  }
  return bytes;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function mutatedArb(seeds: Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(fc.nat({ max: seeds.length - 1 }), fc.array(mutationArb, { minLength: 1, maxLength: 4 }))
    .map(([i, mutations]) => mutate(seeds[i], mutations, seeds));
}

/** Replaces the node at DFS position `index` of a JSON value with `replacement` (a type swap). */
function swapNode(value: unknown, index: number, replacement: unknown): unknown {
  let counter = 0;
  const walk = (node: unknown): unknown => {
    if (counter++ === index) return replacement;
    if (Array.isArray(node)) return node.map(walk);
    if (typeof node === 'object' && node !== null) {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v)]));
    }
    return node;
  };
  return walk(value);
}

const context: DecodeContext = {
  topic: 'plant/north/pump-7/flow',
  topicFields: { asset: 'pump-7' },
  receivedAtMs: t0,
};
const withRuns = (numRuns: number) => ({ numRuns });

afterAll(() => {
  const total = casesByDecoder.json + casesByDecoder['influx-line'] + casesByDecoder['sparkplug-b'];
  process.stdout.write(
    `decoder fuzz: ${total} cases (json ${casesByDecoder.json}, influx-line ${casesByDecoder['influx-line']}, sparkplug-b ${casesByDecoder['sparkplug-b']}), ` +
      `with readings: json ${readingResultsByDecoder.json}, influx-line ${readingResultsByDecoder['influx-line']}, sparkplug-b ${readingResultsByDecoder['sparkplug-b']}; no exception escaped\n`,
  );
});

describe('json decoder under fuzzing', () => {
  const decoder = createDecoder(decoderConfigSchema.parse({ type: 'json', channelField: 'sensor' }));
  const seeds = ['json-single.json', 'json-batch.json', 'json-multi-channel.json', 'json-envelope.json'].map(
    fixture,
  );
  const tsArb = fc.oneof(
    fc.integer({ min: 0, max: 2_000_000_000 }),
    fc.double(),
    fc.constantFrom(t0, t0 * 1000, t0 * 1_000_000, t0 / 1000, Number.POSITIVE_INFINITY, -1),
    fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    fc.string({ maxLength: 30 }),
  );
  const readingArb = fc.record(
    {
      asset: fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.jsonValue({ maxDepth: 1 })),
      sensor: fc.oneof(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 })),
      value: fc.oneof(fc.double(), fc.boolean(), fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 })),
      ts: tsArb,
      values: fc.dictionary(
        fc.string({ maxLength: 6 }),
        fc.oneof(fc.double(), fc.boolean(), fc.jsonValue({ maxDepth: 1 })),
      ),
    },
    { requiredKeys: [] },
  );

  it('survives random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => void check('json', decoder, bytes, context)),
      withRuns(12_000),
    );
  });

  it('survives random JSON documents', () => {
    fc.assert(
      fc.property(
        fc.jsonValue(),
        (value) => void check('json', decoder, encode(JSON.stringify(value) ?? 'null'), context),
      ),
      withRuns(12_000),
    );
  });

  it('survives reading-shaped objects and batches with random field types', () => {
    const arb = fc.oneof(readingArb, fc.array(readingArb, { maxLength: 8 }));
    fc.assert(
      fc.property(arb, (value) => void check('json', decoder, encode(JSON.stringify(value)), context)),
      withRuns(12_000),
    );
  });

  it('survives random topic fields and message keys', () => {
    const contextArb = fc.record(
      {
        topic: fc.string({ maxLength: 20 }),
        key: fc.string({ maxLength: 6 }),
        topicFields: fc.dictionary(fc.constantFrom('asset', 'channel', 'site'), fc.string({ maxLength: 6 })),
        receivedAtMs: fc.constantFrom(t0, earliestMs, 0),
      },
      { requiredKeys: ['topic', 'receivedAtMs'] },
    );
    fc.assert(
      fc.property(readingArb, contextArb, (value, randomContext) => {
        check('json', decoder, encode(JSON.stringify(value)), randomContext);
      }),
      withRuns(6_000),
    );
  });

  it('survives mutated real payloads', () => {
    fc.assert(
      fc.property(mutatedArb(seeds), (bytes) => void check('json', decoder, bytes, context)),
      withRuns(12_000),
    );
  });

  it('survives type swaps inside real payloads', () => {
    const parsed = seeds.map((s) => JSON.parse(new TextDecoder().decode(s)) as unknown);
    const arb = fc.tuple(
      fc.nat({ max: parsed.length - 1 }),
      fc.nat({ max: 60 }),
      fc.jsonValue({ maxDepth: 2 }),
    );
    fc.assert(
      fc.property(arb, ([i, index, replacement]) => {
        const text = JSON.stringify(swapNode(parsed[i], index, replacement));
        check('json', decoder, encode(text), context);
      }),
      withRuns(8_000),
    );
  });
});

describe('line protocol decoder under fuzzing', () => {
  const decoder = createDecoder(decoderConfigSchema.parse({ type: 'influx-line', assetTag: undefined }));
  const seeds = [fixture('telegraf.lp'), fixture('crlf.lp')];
  const lpChars = fc.constantFrom(...'ab, =\\"#\n\r\tTtfFiu0123456789.e-+E'.split(''));
  const numberToken = fc.oneof(
    fc.double().map(String),
    fc.integer().map((i) => `${i}i`),
    fc.nat().map((i) => `${i}u`),
    fc.constantFrom('t', 'F', 'true', 'FALSE', '"txt"', '"a\\"b"', '1e400', '-', '.', '9223372036854775808i'),
  );
  const name = fc.string({
    unit: fc.constantFrom('a', 'b', ' ', ',', '=', '\\', '"'),
    minLength: 0,
    maxLength: 6,
  });
  const lineArb = fc
    .record({
      measurement: name,
      tags: fc.array(fc.tuple(name, name), { maxLength: 3 }),
      fields: fc.array(fc.tuple(name, numberToken), { maxLength: 4 }),
      ts: fc.oneof(
        fc.constant(''),
        fc.bigInt({ min: 0n, max: 3_000_000_000_000_000_000n }).map(String),
        fc.string({ maxLength: 5 }),
      ),
    })
    .map(({ measurement, tags, fields, ts }) => {
      const tagText = tags.map(([k, v]) => `,${k}=${v}`).join('');
      const fieldText = fields.map(([k, v]) => `${k}=${v}`).join(',');
      return `${measurement}${tagText} ${fieldText}${ts === '' ? '' : ` ${ts}`}`;
    });

  it('survives random bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        (bytes) => void check('influx-line', decoder, bytes, context),
      ),
      withRuns(12_000),
    );
  });

  it('survives random text over the line protocol alphabet', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: lpChars, maxLength: 120 }),
        (text) => void check('influx-line', decoder, encode(text), context),
      ),
      withRuns(12_000),
    );
  });

  it('survives structured random lines with escapes and every value type', () => {
    fc.assert(
      fc.property(fc.array(lineArb, { minLength: 1, maxLength: 5 }), (lines) => {
        check('influx-line', decoder, encode(lines.join('\n')), context);
      }),
      withRuns(12_000),
    );
  });

  it('survives mutated real payloads', () => {
    fc.assert(
      fc.property(mutatedArb(seeds), (bytes) => void check('influx-line', decoder, bytes, context)),
      withRuns(12_000),
    );
  });
});

describe('sparkplug decoder under fuzzing', () => {
  const topics = [
    'spBv1.0/plant/NBIRTH/gw-1',
    'spBv1.0/plant/DBIRTH/gw-1/pump-7',
    'spBv1.0/plant/NDATA/gw-1',
    'spBv1.0/plant/DDATA/gw-1/pump-7',
    'spBv1.0/plant/NDEATH/gw-1',
    'spBv1.0/plant/DDEATH/gw-1/pump-7',
    'spBv1.0/STATE/host',
    'spBv1.0/plant/NCMD/gw-1',
    'spBv1.0/plant//gw-1',
    'spBv1.0/plant/DDATA/gw-1',
    'other/topic',
  ];
  const seeds = ['nbirth', 'dbirth', 'ddata', 'ndata', 'ndeath'].map((n) => fixture(`sparkplug-${n}.bin`));
  const fresh = () =>
    createDecoder(decoderConfigSchema.parse({ type: 'sparkplug-b' }), { clock: new ManualClock(t0) });
  const spContext = (topic: string): DecodeContext => ({ topic, receivedAtMs: t0 + 10_000 });
  // One long-lived decoder, so mutated births and data also exercise the state kept between messages.
  const shared = fresh();
  const types = [
    'Int8',
    'Int16',
    'Int32',
    'Int64',
    'UInt8',
    'UInt16',
    'UInt32',
    'UInt64',
    'Float',
    'Double',
    'Boolean',
    'String',
    'Bytes',
    'DateTime',
  ] as const;
  const valueFor = (type: (typeof types)[number], n: number) =>
    type === 'Boolean'
      ? n > 0
      : type === 'String'
        ? `s${n}`
        : type === 'Bytes'
          ? new Uint8Array([n & 255])
          : n;
  const metricArb = fc.record({
    name: fc.option(fc.constantFrom('bdSeq', 'temp', 'flow', 'Node Control/Rebirth', ''), { nil: undefined }),
    alias: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
    type: fc.constantFrom(...types),
    n: fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.double({ noNaN: false })),
    timestamp: fc.option(fc.oneof(fc.constant(t0), fc.integer({ min: 0, max: 2 ** 52 })), { nil: undefined }),
  });
  const messageArb = fc.record({
    topic: fc.constantFrom(...topics.slice(0, 6)),
    seq: fc.option(fc.integer({ min: 0, max: 260 }), { nil: undefined }),
    timestamp: fc.option(fc.constant(t0), { nil: undefined }),
    metrics: fc.array(metricArb, { maxLength: 5 }),
  });
  function toPayload(m: {
    seq?: number;
    timestamp?: number;
    metrics: { name?: string; alias?: number; type: (typeof types)[number]; n: number; timestamp?: number }[];
  }) {
    return sparkplugB.encodePayload({
      ...(m.timestamp === undefined ? {} : { timestamp: m.timestamp }),
      ...(m.seq === undefined ? {} : { seq: m.seq }),
      metrics: m.metrics.map((x) => ({
        ...(x.name === undefined ? {} : { name: x.name }),
        ...(x.alias === undefined ? {} : { alias: x.alias }),
        ...(x.timestamp === undefined ? {} : { timestamp: x.timestamp }),
        type: x.type,
        value: valueFor(x.type, Number.isFinite(x.n) || x.type === 'Float' || x.type === 'Double' ? x.n : 0),
      })),
    });
  }

  it('survives random bytes on every topic kind', () => {
    fc.assert(
      fc.property(fc.constantFrom(...topics), fc.uint8Array({ maxLength: 200 }), (topic, bytes) => {
        check('sparkplug-b', shared, bytes, spContext(topic));
      }),
      withRuns(10_000),
    );
  });

  it('survives protobuf-shaped random bytes (valid tags and wire types, random contents)', () => {
    const fieldArb = fc.oneof(
      fc.tuple(
        fc.integer({ min: 1, max: 8 }),
        fc.constant(0),
        fc
          .uint8Array({ minLength: 1, maxLength: 5 })
          .map((b) => b.map((x, i, a) => (i < a.length - 1 ? x | 0x80 : x & 0x7f))),
      ),
      fc.tuple(fc.integer({ min: 1, max: 8 }), fc.constant(1), fc.uint8Array({ minLength: 8, maxLength: 8 })),
      fc.tuple(fc.integer({ min: 1, max: 8 }), fc.constant(2), fc.uint8Array({ maxLength: 30 })),
      fc.tuple(fc.integer({ min: 1, max: 8 }), fc.constant(5), fc.uint8Array({ minLength: 4, maxLength: 4 })),
    );
    const arb = fc
      .array(fieldArb, { maxLength: 8 })
      .map((fields) =>
        concat(
          ...fields.map(([field, wire, body]) =>
            wire === 2
              ? concat(new Uint8Array([(field << 3) | wire, body.length]), body)
              : concat(new Uint8Array([(field << 3) | wire]), body),
          ),
        ),
      );
    fc.assert(
      fc.property(
        fc.constantFrom(...topics.slice(0, 6)),
        arb,
        (topic, bytes) => void check('sparkplug-b', shared, bytes, spContext(topic)),
      ),
      withRuns(10_000),
    );
  });

  it('survives mutated real payloads', () => {
    fc.assert(
      fc.property(fc.constantFrom(...topics.slice(0, 6)), mutatedArb(seeds), (topic, bytes) => {
        check('sparkplug-b', shared, bytes, spContext(topic));
      }),
      withRuns(10_000),
    );
  });

  it('survives random sequences of well-formed messages through a fresh decoder', () => {
    fc.assert(
      fc.property(fc.array(messageArb, { minLength: 1, maxLength: 12 }), (messages) => {
        const decoder = fresh();
        check('sparkplug-b', decoder, seeds[0], spContext(topics[0]));
        check('sparkplug-b', decoder, seeds[1], spContext(topics[1]));
        for (const m of messages) check('sparkplug-b', decoder, toPayload(m), spContext(m.topic));
      }),
      withRuns(2_500),
    );
  });
});

describe('fuzz total', () => {
  it(`runs at least ${minimumCases} cases across all decoders`, () => {
    const total = casesByDecoder.json + casesByDecoder['influx-line'] + casesByDecoder['sparkplug-b'];
    expect(total).toBeGreaterThanOrEqual(minimumCases);
    for (const count of Object.values(casesByDecoder)) expect(count).toBeGreaterThan(20_000);
    for (const count of Object.values(readingResultsByDecoder)) expect(count).toBeGreaterThan(1_000);
  });
});
