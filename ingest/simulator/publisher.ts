// The contract of every simulator output (MQTT, Kafka, CSV): opened once,
// handed ticks in time order, closed once. Failures are PipelineErrors with
// code SIMULATOR_PUBLISH_FAILED and the library error as cause.
import type { PlantTick } from './plant.js';

export interface TickPublisher {
  /** Connects or opens files. Called once, before the first publish. */
  open(): Promise<void>;
  /**
   * Sends one tick; resolves when the target has taken it (MQTT: handed to the client with at most
   * a bounded number of PUBACKs outstanding; Kafka: acknowledged; CSV: rows handed to the file
   * stream) with the number of messages or rows sent. close() waits for everything outstanding.
   * Called again only after the previous call resolved.
   */
  publish(tick: PlantTick): Promise<number>;
  /** Flushes and disconnects (Sparkplug: publishes NDEATH first). Nothing is sent after it resolves. */
  close(): Promise<void>;
}
