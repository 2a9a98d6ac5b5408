// Acknowledgements of one MQTT connection, pipelined: up to `receiveMaximum` messages are handled
// before the first of them is acknowledged, and each PUBACK is sent only once its message's work
// resolved (its effects are durable) and every earlier message's PUBACK has been sent, so the
// broker sees them in the order it published (MQTT 3.1.1 §4.6, MQTT 5 §4.6). Deliveries that are
// handled together then share a store transaction (group commit) on one connection too.
//
// mqtt.js reads the next packet only after handleMessage's callback, and that callback also sends
// the PUBACK. So the callback is given a marker error, which makes mqtt.js go on to the next packet
// without acknowledging, and the PUBACK is sent here, through the client's own packet writer (which
// queues it while the connection is down, as mqtt.js does for its own PUBACKs).
import type { IPublishPacket, MqttClient } from 'mqtt';

/** Handed to mqtt.js's handleMessage callback: read on, the PUBACK follows from here. */
const acknowledgedLater = new Error('acknowledged once committed');

type PacketWriter = { _sendPacket(packet: object, cb?: () => void): void };

export interface OrderedAcks {
  /**
   * Takes the message whose work is `work`: lets mqtt.js read the next packet now if fewer than
   * receiveMaximum messages wait for their PUBACK (else once one is sent), and sends this message's
   * PUBACK (QoS 1) after `work` resolved and every earlier PUBACK was sent. A rejected `work` calls
   * `onFailure` (which drops the connection); neither it nor the messages taken after it on that
   * connection are acknowledged (the broker redelivers them), and the next message starts afresh.
   */
  take(packet: IPublishPacket, work: Promise<void>, readNext: (err?: Error) => void): void;
  /** Settles once every message taken so far is acknowledged or failed. */
  settled(): Promise<void>;
}

export function createOrderedAcks(
  client: MqttClient,
  receiveMaximum: number,
  onFailure: (err: unknown, packet: IPublishPacket) => void,
): OrderedAcks {
  // Resolves true once the last message taken is acknowledged, false if it or one before it failed.
  let chain: Promise<boolean> = Promise.resolve(true);
  // Messages taken whose work has not yet settled, and who waits for that count to reach 0.
  let pending = 0;
  const whenIdle: (() => void)[] = [];
  // The read of the next packet, held back while receiveMaximum messages wait.
  let heldRead: (() => void) | undefined;

  const release = (): void => {
    pending--;
    const read = heldRead;
    heldRead = undefined;
    read?.();
    if (pending === 0) for (const resolve of whenIdle.splice(0)) resolve();
  };

  const sendPuback = (packet: IPublishPacket): void => {
    if (packet.qos !== 1 || packet.messageId === undefined) return;
    (client as unknown as PacketWriter)._sendPacket({
      cmd: 'puback',
      messageId: packet.messageId,
      reasonCode: 0,
    });
  };

  return {
    take(packet, work, readNext) {
      pending++;
      const outcome = work.then(
        () => undefined,
        (err: unknown) => ({ err }),
      );
      const link = chain.then(async (isIntact) => {
        const failure = await outcome;
        release();
        if (!isIntact) return false;
        if (failure !== undefined) {
          onFailure(failure.err, packet);
          // The connection is dropped: what comes next arrives on the next one, in a chain of its own.
          chain = Promise.resolve(true);
          return false;
        }
        sendPuback(packet);
        return true;
      });
      chain = link;
      const read = () => readNext(acknowledgedLater);
      if (pending < receiveMaximum) read();
      else heldRead = read;
    },
    settled: () =>
      pending === 0 ? Promise.resolve() : new Promise<void>((resolve) => whenIdle.push(resolve)),
  };
}
