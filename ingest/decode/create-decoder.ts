// The one factory transports use: a parsed decoder config in, a Decoder out.
// Each call returns a fresh decoder; a Sparkplug decoder keeps per-edge-node
// state, so use one instance per stream of messages.
import { type Clock, systemClock } from '../../core/index.js';
import type { DecoderConfig } from './config.js';
import type { Decoder } from './decoder.js';
import { createJsonDecoder } from './json-decoder.js';
import { createLineProtocolDecoder } from './line-protocol-decoder.js';
import { createSparkplugDecoder } from './sparkplug-decoder.js';

export interface DecoderDeps {
  /** Wall-clock time for spacing Sparkplug rebirth requests; the system clock by default. */
  clock?: Clock;
}

export function createDecoder(config: DecoderConfig, deps: DecoderDeps = {}): Decoder {
  switch (config.type) {
    case 'json':
      return createJsonDecoder(config);
    case 'influx-line':
      return createLineProtocolDecoder(config);
    case 'sparkplug-b':
      return createSparkplugDecoder(config, { clock: deps.clock ?? systemClock });
  }
}
