// Data quality per channel: a sensor that stops reporting leaves NaN in its
// column of every frame once the aligner may no longer hold its last value.
// After `silentAfterMs` of such frames (event time, from the frames) the
// channel is declared silent, once, and restored, once, when values return,
// so an asset is never left half-watched in silence. Pure: frames in, events out.

export interface ChannelQualityEvent {
  /** `channel_silent` when the channel stopped reporting, `channel_restored` when it reports again. */
  kind: 'channel_silent' | 'channel_restored';
  assetId: string;
  channel: string;
  /** Frame time the event was decided at (ms since the epoch). */
  atMs: number;
  /** Time of the channel's last value before the silence (ms since the epoch). */
  lastValueAtMs: number;
}

export interface ChannelSilenceTracker {
  /** Observes one frame (`values` in `channels` order, NaN where missing); returns the events it decides. */
  observe(frame: {
    assetId: string;
    atMs: number;
    channels: readonly string[];
    values: ArrayLike<number>;
  }): ChannelQualityEvent[];
  /** Channels currently silent, per asset. */
  silent(): { assetId: string; channel: string; sinceMs: number }[];
  /** Forgets assets (their partitions moved to another instance). */
  dropAssets(assetIds: Iterable<string>): void;
}

interface ChannelState {
  lastValueAtMs: number;
  isSilent: boolean;
}

const none: ChannelQualityEvent[] = [];

export function createChannelSilenceTracker(options: { silentAfterMs: number }): ChannelSilenceTracker {
  const byAsset = new Map<string, Map<string, ChannelState>>();
  return {
    observe(frame) {
      if (options.silentAfterMs === 0) return none;
      let channels = byAsset.get(frame.assetId);
      if (channels === undefined) {
        channels = new Map();
        byAsset.set(frame.assetId, channels);
      }
      let events: ChannelQualityEvent[] | undefined;
      for (let c = 0; c < frame.channels.length; c++) {
        const channel = frame.channels[c]!;
        const hasValue = !Number.isNaN(frame.values[c]!);
        let state = channels.get(channel);
        if (state === undefined) {
          // A channel is judged from the first frame that has it: the asset's first frames are gaps.
          if (!hasValue) continue;
          state = { lastValueAtMs: frame.atMs, isSilent: false };
          channels.set(channel, state);
        }
        if (hasValue) {
          if (state.isSilent) {
            state.isSilent = false;
            events ??= [];
            events.push({
              kind: 'channel_restored',
              assetId: frame.assetId,
              channel,
              atMs: frame.atMs,
              lastValueAtMs: state.lastValueAtMs,
            });
          }
          state.lastValueAtMs = frame.atMs;
        } else if (!state.isSilent && frame.atMs - state.lastValueAtMs >= options.silentAfterMs) {
          state.isSilent = true;
          events ??= [];
          events.push({
            kind: 'channel_silent',
            assetId: frame.assetId,
            channel,
            atMs: frame.atMs,
            lastValueAtMs: state.lastValueAtMs,
          });
        }
      }
      return events ?? none;
    },
    silent() {
      const out: { assetId: string; channel: string; sinceMs: number }[] = [];
      for (const [assetId, channels] of byAsset)
        for (const [channel, state] of channels)
          if (state.isSilent) out.push({ assetId, channel, sinceMs: state.lastValueAtMs });
      return out;
    },
    dropAssets(assetIds) {
      for (const id of assetIds) byAsset.delete(id);
    },
  };
}
