// The service soak's load generator (soak-generator.ts) as seen from the soak: a child process
// with the embedded MQTT broker and the publishing plant, so the soak's own process holds only
// the service and the measuring, and the memory it reports is the service's. One request at a
// time over IPC; the soak moves its simulated clock and asks for the next chunk of ticks.
import { type ChildProcess, fork } from 'node:child_process';

export interface GeneratorSettings {
  assets: number;
  channels: number;
  periodMs: number;
  /** Share of ticks that also bring a message from an asset id never seen before, per asset. */
  unknownShare: number;
  topic: string;
}

/** What the generator has published so far, and its own memory. */
export interface GeneratorCounts {
  messages: number;
  readings: number;
  unknownIds: number;
  rssBytes: number;
}

export type GeneratorRequest = { type: 'publish'; fromMs: number; toMs: number } | { type: 'stop' };
export type GeneratorReply =
  | { type: 'ready'; brokerUrl: string }
  | ({ type: 'published' } & GeneratorCounts)
  | { type: 'stopped' };

export interface SoakGenerator {
  /** The embedded broker's mqtt://127.0.0.1:<port>; clients connect with protocolVersion 4. */
  readonly brokerUrl: string;
  /** Publishes one message per tick from fromMs (inclusive) to toMs (exclusive), every period,
   *  and resolves once the broker acknowledged every one of them (QoS 1). */
  publish(fromMs: number, toMs: number): Promise<GeneratorCounts>;
  /** Disconnects the plant, closes the broker and lets the process end. */
  stop(): Promise<void>;
}

export async function startSoakGenerator(settings: GeneratorSettings): Promise<SoakGenerator> {
  const child = fork(new URL('./soak-generator.js', import.meta.url), [JSON.stringify(settings)], {
    // The soak's stdout is its JSON result: anything the generator prints goes to stderr.
    stdio: ['ignore', 2, 'inherit', 'ipc'],
  });
  const next = replies(child);
  const ask = (request: GeneratorRequest) => {
    const reply = next();
    child.send(request);
    return reply;
  };
  const ready = await next();
  if (ready.type !== 'ready') throw new Error(`the load generator answered ${ready.type} before ready`);
  return {
    brokerUrl: ready.brokerUrl,
    async publish(fromMs, toMs) {
      const reply = await ask({ type: 'publish', fromMs, toMs });
      if (reply.type !== 'published') throw new Error(`the load generator answered ${reply.type} to publish`);
      const { type: _, ...counts } = reply;
      return counts;
    },
    async stop() {
      await ask({ type: 'stop' });
      child.disconnect();
    },
  };
}

/** A function that resolves with the child's next reply, or rejects if it exits first. */
function replies(child: ChildProcess): () => Promise<GeneratorReply> {
  let waiting: { resolve(reply: GeneratorReply): void; reject(error: Error): void } | undefined;
  let exit: Error | undefined;
  child.on('message', (reply: GeneratorReply) => {
    waiting?.resolve(reply);
    waiting = undefined;
  });
  child.on('exit', (code, signal) => {
    exit = new Error(`the load generator exited (code ${code}, signal ${signal})`);
    waiting?.reject(exit);
    waiting = undefined;
  });
  return () =>
    new Promise<GeneratorReply>((resolve, reject) => {
      if (exit !== undefined) reject(exit);
      else waiting = { resolve, reject };
    });
}
