// Connection settings of the local servers that deploy/local/services starts.
// A `GRUWATCH_TEST_<KEY>` environment variable wins over `<KEY>` in the env file
// ($GRUWATCH_SERVICES_DIR/services.env); the ports are fixed, so they have defaults.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface MosquittoEndpoints {
  url: string;
  authUrl: string;
  tlsUrl: string;
  caFile: string;
  username: string;
  password: string;
}
export interface KafkaEndpoints {
  brokers: string[];
  version: string;
}
export interface InfluxdbEndpoints {
  url: string;
  token: string;
  username: string;
  password: string;
  org: string;
  database: string;
  bucket: string;
}
/** The S3-compatible object store (SeaweedFS) and the bucket the services script created. */
export interface SeaweedfsEndpoints {
  url: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
}
export interface Endpoints {
  mosquitto: MosquittoEndpoints;
  kafka: KafkaEndpoints;
  influxdb: InfluxdbEndpoints;
  seaweedfs: SeaweedfsEndpoints;
}
export type ServerName = keyof Endpoints;

export const serverNames: readonly ServerName[] = ['mosquitto', 'kafka', 'influxdb', 'seaweedfs'];

/** Prefix of the environment variables that override the env file. */
export const envPrefix = 'GRUWATCH_TEST_';

export function servicesDir(): string {
  return process.env.GRUWATCH_SERVICES_DIR || '/tmp/gruwatch-services';
}

export function servicesEnvFile(): string {
  return join(servicesDir(), 'services.env');
}

/** Parses `KEY=value` lines; blank lines and `#` comments are ignored, values are taken verbatim. */
export function parseEnvText(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`services env file: line without KEY=value: ${JSON.stringify(rawLine)}`);
    values[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return values;
}

/** The env file's settings, or an empty record when no server was ever started. */
export function readServicesEnvFile(file = servicesEnvFile()): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
  return parseEnvText(text);
}

const defaults: Record<string, string> = {
  MOSQUITTO_URL: 'mqtt://127.0.0.1:18830',
  MOSQUITTO_AUTH_URL: 'mqtt://127.0.0.1:18831',
  MOSQUITTO_TLS_URL: 'mqtts://127.0.0.1:18833',
  MOSQUITTO_USERNAME: 'gruwatch',
  KAFKA_BROKERS: '127.0.0.1:19092',
  KAFKA_VERSION: '3.9.1',
  INFLUXDB_URL: 'http://127.0.0.1:18086',
  INFLUXDB_ORG: '-',
  INFLUXDB_DATABASE: 'gruwatch',
  INFLUXDB_BUCKET: 'gruwatch/autogen',
  S3_URL: 'http://127.0.0.1:18333',
  S3_REGION: 'us-east-1',
  S3_BUCKET: 'gruwatch',
};

/** The content of a secret file the services script keeps, or '' without one. */
function secretFile(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Reads every server's settings (environment first, then the env file, then defaults). */
export function loadEndpoints(): Endpoints {
  const file = readServicesEnvFile();
  const get = (key: string): string => process.env[envPrefix + key] ?? file[key] ?? defaults[key] ?? '';
  const mosquittoDir = join(servicesDir(), 'mosquitto');
  const influxUser = get('INFLUXDB_USERNAME');
  const influxPassword = get('INFLUXDB_PASSWORD');
  return {
    mosquitto: {
      url: get('MOSQUITTO_URL'),
      authUrl: get('MOSQUITTO_AUTH_URL'),
      tlsUrl: get('MOSQUITTO_TLS_URL'),
      caFile: get('MOSQUITTO_CA_FILE') || join(mosquittoDir, 'tls', 'ca.crt'),
      username: get('MOSQUITTO_USERNAME'),
      password: get('MOSQUITTO_PASSWORD'),
    },
    kafka: {
      brokers: get('KAFKA_BROKERS')
        .split(',')
        .map((b) => b.trim())
        .filter((b) => b !== ''),
      version: get('KAFKA_VERSION'),
    },
    influxdb: {
      url: get('INFLUXDB_URL'),
      token: get('INFLUXDB_TOKEN') || `${influxUser}:${influxPassword}`,
      username: influxUser,
      password: influxPassword,
      org: get('INFLUXDB_ORG'),
      database: get('INFLUXDB_DATABASE'),
      bucket: get('INFLUXDB_BUCKET'),
    },
    seaweedfs: {
      url: get('S3_URL'),
      region: get('S3_REGION'),
      bucket: get('S3_BUCKET'),
      accessKeyId: get('S3_ACCESS_KEY_ID') || 'gruwatch',
      secretAccessKey: get('S3_SECRET_ACCESS_KEY') || secretFile(join(servicesDir(), 'seaweedfs', 'secret')),
    },
  };
}

/** Host and port the reachability probe connects to, per server. */
export function probeAddress(server: ServerName, endpoints: Endpoints): { host: string; port: number } {
  const hostPort = (raw: string, fallbackPort: number): { host: string; port: number } => {
    const url = new URL(raw.includes('://') ? raw : `tcp://${raw}`);
    return { host: url.hostname, port: url.port === '' ? fallbackPort : Number(url.port) };
  };
  switch (server) {
    case 'mosquitto':
      return hostPort(endpoints.mosquitto.url, 1883);
    case 'kafka':
      return hostPort(endpoints.kafka.brokers[0] ?? '127.0.0.1:19092', 9092);
    case 'influxdb':
      return hostPort(endpoints.influxdb.url, 8086);
    case 'seaweedfs':
      return hostPort(endpoints.seaweedfs.url, 8333);
  }
}

/** The `registry.s3` settings of a registry under `prefix` in the local S3 server's bucket. */
export function s3RegistrySettings(s3: SeaweedfsEndpoints, prefix: string): Record<string, unknown> {
  return {
    endpoint: s3.url,
    bucket: s3.bucket,
    prefix,
    region: s3.region,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
  };
}
