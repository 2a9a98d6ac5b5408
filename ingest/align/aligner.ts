// The aligner: per-asset readings at arbitrary times → frames on a fixed
// period grid, channels in the model's order. Out-of-order readings within
// the lateness allowance land in their cell; a channel without a value
// within the hold leaves NaN and marks the frame `gap` — never an invented value.

import type { AlignedFrame, FrameState } from '../../core/index.js';
import { noopTelemetry, type Telemetry } from '../../core/index.js';
import type { AssetSignal } from '../decode/decoder.js';
import type { SensorReading } from '../reading.js';
import type { AssetGroup } from './asset-channels.js';
import {
  type AssetChannelResolver,
  type AssetChannels,
  createAssetChannelResolver,
} from './asset-channels.js';

export interface AlignOptions {
  /** Grid period: one frame per asset every periodMs, cells [k·periodMs, (k+1)·periodMs) on the epoch grid. */
  periodMs: number;
  /** `last`: the latest reading in the cell (held into later cells up to maxHoldMs); `mean`: mean of the cell's readings. */
  fill: 'last' | 'mean';
  /** A channel's latest value fills empty cells that start at most this long after the reading. */
  maxHoldMs: number;
  /** A cell is final once the asset's newest timestamp is this far past the cell's end. */
  latenessMs: number;
  /**
   * An asset silent for this long is flushed by tick() as if its time kept running. Silence counts only
   * while the sources are live and readings of other assets are arriving, and the flush never goes past
   * the newest timestamp those readings carry: data waiting on our side is never made late.
   */
  idleFlushMs: number;
  /** How often tick() is called (default: the period, at most 1 s); a tick 5× later than due means a stall. */
  tickMs?: number;
  /** Longest run of all-empty frames emitted before the aligner skips ahead (the window length T is a good value). */
  maxGapFrames: number;
  /** Most assets tracked at once; readings of a further new asset are dropped as `asset_limit`. */
  maxAssets?: number;
}

/** Why the aligner dropped a reading (the `reason` label of `ingest_readings_dropped_total`). */
export type AlignDropReason = 'late' | 'duplicate' | 'unknown_asset' | 'unknown_channel' | 'asset_limit';

export interface AlignerDeps {
  /** Receives each finalized frame; `frame.values` is reused and valid only during the call. */
  onFrame(frame: AlignedFrame): void;
  telemetry?: Telemetry;
  /** Called for every dropped reading, after it is counted; e.g. to log unknown assets rate-limited. */
  onDrop?(reason: AlignDropReason, reading: SensorReading): void;
}

export interface Aligner {
  /**
   * Places one reading; returns false if it was dropped (and counted). `isRedelivery`: the source says the
   * message may have come before, so a reading behind the watermark is counted as a duplicate, not late.
   */
  push(reading: SensorReading, receivedAtMs: number, isRedelivery?: boolean): boolean;
  /** `unknown` marks frames from signal.atMs on as unknown until every channel has fresh readings again. */
  signal(signal: AssetSignal): void;
  /**
   * Flushes assets silent for idleFlushMs, so their gap frames are emitted. `isLive`: every source is
   * connected and delivering without being held back; silence does not count while it is false. A gap
   * since the previous tick much longer than tickMs (the process was stopped) restarts every silence clock.
   */
  tick(nowMs: number, isLive: boolean): void;
  /** End of input (offline files): finalizes every asset's cells up to and including its newest reading's. */
  drain(): void;
  /** Forgets the state of these assets (e.g. their Kafka partitions were revoked); the next reading starts afresh. */
  dropAssets(assetIds: Iterable<string>): void;
  /**
   * Forgets assets whose last reading arrived at or before `nowMs - idleMs` (wall clock) and returns
   * their ids; cells still open are finalized first (as the idle flush would), so no reading is
   * lost. A later reading of the asset starts afresh.
   */
  evictIdle(nowMs: number, idleMs: number): string[];
  readonly assetCount: number;
  /** Whether the aligner holds state for this asset now. */
  isTracking(assetId: string): boolean;
}

// Exact duplicates are recognised among this many latest accepted timestamps per channel: enough
// for the redelivery of a batch of in-flight messages, with constant memory.
const DUPLICATE_MEMORY = 32;

class AssetTrack {
  readonly frame: AlignedFrame;
  readonly #opts: AlignOptions;
  readonly #indexOf: ReadonlyMap<string, number>;
  readonly #C: number;
  readonly #K: number; // open cells in the ring
  #head = 0; // ring slot of the oldest open cell
  nextStartMs: number; // start of the oldest open cell
  maxTsMs = Number.NEGATIVE_INFINITY;
  /** Silence of this asset that counts toward the idle flush (see AlignOptions.idleFlushMs). */
  silentMs = 0;
  /** Wall-clock time of the newest reading that arrived (not replayed); what eviction measures. */
  lastArrivalMs: number;
  #unknownSinceMs = Number.NaN;
  #emptyRun = 0;
  // (K, C) per open cell and channel
  readonly #sum: Float64Array;
  readonly #count: Uint32Array;
  readonly #lastValue: Float64Array;
  readonly #lastTs: Float64Array;
  readonly #slotCount: Uint32Array; // (K) readings per open cell
  #pending = 0; // readings in all open cells
  // (C) per channel
  readonly #heldValue: Float64Array;
  readonly #heldTs: Float64Array;
  readonly #channelMaxTs: Float64Array;
  readonly #seenTs: Float64Array; // (C, DUPLICATE_MEMORY) ring of accepted timestamps
  readonly #seenPos: Uint8Array;

  constructor(
    assetId: string,
    layout: AssetChannels,
    opts: AlignOptions,
    firstTsMs: number,
    arrivalMs: number,
  ) {
    this.#opts = opts;
    this.#indexOf = layout.indexOf;
    const C = layout.channels.length;
    this.#C = C;
    this.#K = Math.ceil(opts.latenessMs / opts.periodMs) + 2;
    this.nextStartMs = Math.floor((firstTsMs - opts.latenessMs) / opts.periodMs) * opts.periodMs;
    this.lastArrivalMs = arrivalMs;
    const KC = this.#K * C;
    this.#sum = new Float64Array(KC);
    this.#count = new Uint32Array(KC);
    this.#lastValue = new Float64Array(KC);
    this.#lastTs = new Float64Array(KC).fill(Number.NEGATIVE_INFINITY);
    this.#slotCount = new Uint32Array(this.#K);
    this.#heldValue = new Float64Array(C);
    this.#heldTs = new Float64Array(C).fill(Number.NaN);
    this.#channelMaxTs = new Float64Array(C).fill(Number.NEGATIVE_INFINITY);
    this.#seenTs = new Float64Array(C * DUPLICATE_MEMORY).fill(Number.NaN);
    this.#seenPos = new Uint8Array(C);
    this.frame = {
      assetId,
      channels: layout.channels,
      startMs: 0,
      endMs: 0,
      values: new Float32Array(C),
      state: 'ok',
    };
  }

  get pending(): number {
    return this.#pending;
  }

  channelIndex(channel: string): number | undefined {
    return this.#indexOf.get(channel);
  }

  /** Returns the drop reason, or undefined if the reading was placed. */
  place(
    c: number,
    tsMs: number,
    value: number,
    arrivalMs: number,
    isRedelivery: boolean,
    onFrame: (f: AlignedFrame) => void,
  ) {
    const p = this.#opts.periodMs;
    const cellStartMs = Math.floor(tsMs / p) * p;
    // A redelivery of a reading already placed (a broker resends what was not acknowledged) is a duplicate, not late.
    if (cellStartMs < this.nextStartMs) {
      return isRedelivery || this.#wasSeen(c, tsMs) ? ('duplicate' as const) : ('late' as const);
    }
    if (this.#isDuplicate(c, tsMs)) return 'duplicate' as const;
    this.silentMs = 0;
    if (arrivalMs > this.lastArrivalMs) this.lastArrivalMs = arrivalMs;
    if (tsMs > this.maxTsMs) {
      this.maxTsMs = tsMs;
      this.advance(tsMs - this.#opts.latenessMs, onFrame);
    }
    // After advancing, the oldest open cell ends after maxTs − lateness, so the distance is < K.
    const slot = (this.#head + (cellStartMs - this.nextStartMs) / p) % this.#K;
    const i = slot * this.#C + c;
    this.#slotCount[slot]++;
    this.#pending++;
    this.#count[i]++;
    this.#sum[i] += value;
    if (tsMs >= this.#lastTs[i]) {
      this.#lastTs[i] = tsMs;
      this.#lastValue[i] = value;
    }
    return undefined;
  }

  #wasSeen(c: number, tsMs: number): boolean {
    return tsMs === this.#channelMaxTs[c] || this.#isInSeenRing(c, tsMs);
  }

  #isInSeenRing(c: number, tsMs: number): boolean {
    const base = c * DUPLICATE_MEMORY;
    for (let k = 0; k < DUPLICATE_MEMORY; k++) if (this.#seenTs[base + k] === tsMs) return true;
    return false;
  }

  #isDuplicate(c: number, tsMs: number): boolean {
    const max = this.#channelMaxTs[c];
    if (tsMs === max) return true;
    if (tsMs < max) {
      if (this.#isInSeenRing(c, tsMs)) return true;
    } else {
      this.#channelMaxTs[c] = tsMs;
    }
    const base = c * DUPLICATE_MEMORY;
    const pos = this.#seenPos[c];
    this.#seenTs[base + pos] = tsMs;
    this.#seenPos[c] = (pos + 1) % DUPLICATE_MEMORY;
    return false;
  }

  markUnknown(atMs: number): void {
    if (Number.isNaN(this.#unknownSinceMs) || atMs > this.#unknownSinceMs) this.#unknownSinceMs = atMs;
  }

  /** Finalizes every cell up to and including the one of the newest reading. */
  finalizeAll(onFrame: (f: AlignedFrame) => void): void {
    const p = this.#opts.periodMs;
    this.advance(Math.floor(this.maxTsMs / p) * p + p, onFrame);
  }

  /** Finalizes every cell that ends at or before watermarkMs. */
  advance(watermarkMs: number, onFrame: (f: AlignedFrame) => void): void {
    const p = this.#opts.periodMs;
    let remaining = Math.floor((watermarkMs - this.nextStartMs) / p);
    // A long silence is emitted as at most maxGapFrames frames without any value; further empty
    // cells are skipped (the window assembler restarts after the jump). The decision depends only
    // on the cells' contents, not on how the watermark advanced, so frames do not depend on arrival order.
    while (remaining > 0) {
      if (this.#emptyRun >= this.#opts.maxGapFrames && this.#slotCount[this.#head] === 0) {
        if (this.#pending === 0) {
          this.nextStartMs += remaining * p;
          return;
        }
        this.#head = (this.#head + 1) % this.#K;
        this.nextStartMs += p;
      } else {
        this.#finalizeHead(onFrame);
      }
      remaining--;
    }
  }

  #finalizeHead(onFrame: (f: AlignedFrame) => void): void {
    const { periodMs: p, maxHoldMs, fill } = this.#opts;
    const C = this.#C;
    const startMs = this.nextStartMs;
    const base = this.#head * C;
    const unknownSince = this.#unknownSinceMs;
    const isUnknownSpan = !Number.isNaN(unknownSince) && startMs + p > unknownSince;
    const values = this.frame.values;
    let hasGap = false;
    let isFresh = true;
    let isEmpty = true;
    for (let c = 0; c < C; c++) {
      const i = base + c;
      const n = this.#count[i];
      let value = Number.NaN;
      let sourceTs = Number.NaN;
      if (n > 0) {
        value = fill === 'mean' ? this.#sum[i] / n : this.#lastValue[i];
        sourceTs = this.#lastTs[i];
        this.#heldValue[c] = value;
        this.#heldTs[c] = sourceTs;
        this.#count[i] = 0;
        this.#sum[i] = 0;
        this.#lastTs[i] = Number.NEGATIVE_INFINITY;
      } else if (startMs - this.#heldTs[c] <= maxHoldMs) {
        value = this.#heldValue[c];
        sourceTs = this.#heldTs[c];
      }
      // While unknown, a value from before the signal is not trusted: NaN, and the frame stays unknown.
      if (isUnknownSpan && !(sourceTs >= unknownSince)) {
        value = Number.NaN;
        isFresh = false;
      }
      if (Number.isNaN(value)) hasGap = true;
      else isEmpty = false;
      values[c] = value;
    }
    this.#pending -= this.#slotCount[this.#head];
    this.#slotCount[this.#head] = 0;
    let state: FrameState = hasGap ? 'gap' : 'ok';
    if (isUnknownSpan) {
      if (isFresh) this.#unknownSinceMs = Number.NaN;
      else state = 'unknown';
    }
    this.#emptyRun = isEmpty ? this.#emptyRun + 1 : 0;
    this.frame.startMs = startMs;
    this.frame.endMs = startMs + p;
    this.frame.state = state;
    this.#head = (this.#head + 1) % this.#K;
    this.nextStartMs = startMs + p;
    onFrame(this.frame);
  }
}

export function createAligner(
  options: AlignOptions & { assets: readonly AssetGroup[] | AssetChannelResolver },
  deps: AlignerDeps,
): Aligner {
  const resolver = Array.isArray(options.assets)
    ? createAssetChannelResolver(options.assets as readonly AssetGroup[])
    : (options.assets as AssetChannelResolver);
  const telemetry = deps.telemetry ?? noopTelemetry;
  const { onFrame, onDrop } = deps;
  const tracks = new Map<string, AssetTrack>();
  // Event time as the data moved it: the newest timestamp placed, of any asset.
  let frontierMs = Number.NEGATIVE_INFINITY;
  let lastArrivalMs = Number.NEGATIVE_INFINITY;
  let lastTickMs = Number.NaN;
  // Readings of other assets count as "arriving" when the newest came within two ticks.
  const tickMs = options.tickMs ?? Math.min(options.periodMs, 1000);
  const flowMs = 2 * tickMs;
  const stallMs = 5 * tickMs;
  const drop = (reason: AlignDropReason, reading: SensorReading): false => {
    telemetry.count('ingest_readings_dropped_total', { reason });
    onDrop?.(reason, reading);
    return false;
  };
  const forget = (assetId: string) => {
    tracks.delete(assetId);
    resolver.forget?.(assetId);
  };

  return {
    push(reading, receivedAtMs, isRedelivery = false) {
      let track = tracks.get(reading.assetId);
      if (track === undefined) {
        const layout = resolver.resolve(reading.assetId);
        if (layout === undefined) return drop('unknown_asset', reading);
        // Not tracked: what the resolver cached for it goes, so refused ids do not grow its cache.
        if (!layout.indexOf.has(reading.channel)) {
          resolver.forget?.(reading.assetId);
          return drop('unknown_channel', reading);
        }
        if (tracks.size >= (options.maxAssets ?? Number.POSITIVE_INFINITY)) {
          resolver.forget?.(reading.assetId);
          return drop('asset_limit', reading);
        }
        track = new AssetTrack(reading.assetId, layout, options, reading.timestampMs, receivedAtMs);
        tracks.set(reading.assetId, track);
      }
      const c = track.channelIndex(reading.channel);
      if (c === undefined) return drop('unknown_channel', reading);
      const reason = track.place(c, reading.timestampMs, reading.value, receivedAtMs, isRedelivery, onFrame);
      if (reason !== undefined) return drop(reason, reading);
      if (reading.timestampMs > frontierMs) frontierMs = reading.timestampMs;
      if (receivedAtMs > lastArrivalMs) lastArrivalMs = receivedAtMs;
      return true;
    },
    signal(signal) {
      if (signal.kind !== 'unknown') return;
      tracks.get(signal.assetId)?.markUnknown(signal.atMs);
    },
    tick(nowMs, isLive) {
      const elapsedMs = Number.isNaN(lastTickMs) ? 0 : nowMs - lastTickMs;
      lastTickMs = nowMs;
      if (elapsedMs > stallMs) {
        // We were stopped (SIGSTOP, a frozen VM, a long pause): what the broker holds for us is not
        // silence. Every clock starts again; the readings delivered next show where event time is.
        for (const track of tracks.values()) track.silentMs = 0;
        return;
      }
      if (!isLive || nowMs - lastArrivalMs > flowMs || elapsedMs <= 0) return;
      for (const track of tracks.values()) {
        track.silentMs += elapsedMs;
        if (track.silentMs < options.idleFlushMs) continue;
        // Event time is assumed to have run on since the asset's newest reading, but never past the
        // newest timestamp other assets' readings carry.
        const toMs = Math.min(track.maxTsMs + track.silentMs, frontierMs);
        track.advance(toMs - options.latenessMs, onFrame);
      }
    },
    drain() {
      for (const track of tracks.values()) track.finalizeAll(onFrame);
    },
    dropAssets(assetIds) {
      for (const id of assetIds) forget(id);
    },
    evictIdle(nowMs, idleMs) {
      const evicted: string[] = [];
      for (const [id, track] of tracks) {
        // Replayed readings are no arrivals: such an asset's silence is measured from the first look.
        if (track.lastArrivalMs === Number.NEGATIVE_INFINITY) track.lastArrivalMs = nowMs;
        if (nowMs - track.lastArrivalMs < idleMs) continue;
        if (track.pending > 0) track.finalizeAll(onFrame);
        forget(id);
        evicted.push(id);
      }
      return evicted;
    },
    get assetCount() {
      return tracks.size;
    },
    isTracking(assetId) {
      return tracks.has(assetId);
    },
  };
}
