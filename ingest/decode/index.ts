// Public surface of ingest/decode: the decoder contract, its config schema and
// the factory; bench payload builders for the ingest benchmark.

export type { BenchMessage, BenchPayloadOptions, BenchPayloads } from './bench-payloads.js';
export { buildJsonBatchPayloads, buildSparkplugPayloads } from './bench-payloads.js';
export type { DecoderConfig, DecoderConfigInput } from './config.js';
export { decoderConfigSchema } from './config.js';
export type { DecoderDeps } from './create-decoder.js';
export { createDecoder } from './create-decoder.js';
export type {
  AssetSignal,
  DecodeContext,
  DecodeIssue,
  DecodeRejectReason,
  DecodeResult,
  Decoder,
  OutboundCommand,
} from './decoder.js';
