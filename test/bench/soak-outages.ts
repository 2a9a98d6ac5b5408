// The outages both soaks play on their simulated clock: an in-process webhook
// receiver that answers 503 while its outage lasts (and records every delivered
// idempotency key), and a proxy in front of the real InfluxDB that refuses writes
// while its outage lasts, the server staying up.
import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

interface SimulatedWindow {
  fromMs: number;
  toMs: number;
}

export interface SoakOutages {
  /** Idempotency keys the receiver accepted. */
  readonly received: Set<string>;
  readonly receiverUrl: string;
  readonly influxdbUrl: string;
  /** The outages' lengths in simulated hours, for the report. */
  readonly hours: { webhook_hours: number; influxdb_hours: number };
  close(): void;
}

/** Outages in simulated time: the webhook receiver down from 30 % of the run, InfluxDB refusing
 *  writes (the server up, the proxy answering 503) from 60 %. The real InfluxDB is INFLUXDB_URL. */
export async function startSoakOutages(options: {
  script: string;
  startMs: number;
  days: number;
  args: { 'webhook-outage-hours': string; 'influxdb-outage-hours': string };
  nowMs: () => number;
}): Promise<SoakOutages> {
  const hours = {
    webhook_hours: Number(options.args['webhook-outage-hours']),
    influxdb_hours: Number(options.args['influxdb-outage-hours']),
  };
  const influxdbUrl = process.env.INFLUXDB_URL;
  if (influxdbUrl === undefined)
    throw new Error(`INFLUXDB_URL is not set; run through \`npm run ${options.script}\``);
  const at = (share: number) => options.startMs + Math.round(share * options.days * 86_400_000);
  const webhookDown = { fromMs: at(0.3), toMs: at(0.3) + hours.webhook_hours * 3_600_000 };
  const influxdbDown = { fromMs: at(0.6), toMs: at(0.6) + hours.influxdb_hours * 3_600_000 };
  const isIn = (w: SimulatedWindow) => options.nowMs() >= w.fromMs && options.nowMs() < w.toMs;
  const received = new Set<string>();
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (isIn(webhookDown)) {
        res.writeHead(503).end();
        return;
      }
      received.add(String(req.headers['idempotency-key']));
      res.writeHead(204).end();
    });
  });
  const influx = new URL(influxdbUrl);
  const proxy = createServer((req, res) => {
    if (isIn(influxdbDown)) {
      req.resume();
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"message":"outage"}');
      return;
    }
    const upstream = request(
      { host: influx.hostname, port: influx.port, path: req.url, method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  receiver.listen(0, '127.0.0.1');
  proxy.listen(0, '127.0.0.1');
  await Promise.all([once(receiver, 'listening'), once(proxy, 'listening')]);
  const portOf = (s: Server) => (s.address() as AddressInfo).port;
  return {
    hours,
    received,
    receiverUrl: `http://127.0.0.1:${portOf(receiver)}/hook`,
    influxdbUrl: `http://127.0.0.1:${portOf(proxy)}`,
    close() {
      receiver.close();
      proxy.close();
    },
  };
}
