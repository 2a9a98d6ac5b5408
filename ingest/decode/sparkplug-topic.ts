// Sparkplug B topic names: spBv1.0/{group}/{type}/{edge}[/{device}]
// (Sparkplug 3.0 specification, topic namespace), plus the host STATE topics that carry no readings.

export type SparkplugMessageType =
  | 'NBIRTH'
  | 'NDATA'
  | 'NDEATH'
  | 'DBIRTH'
  | 'DDATA'
  | 'DDEATH'
  | 'NCMD'
  | 'DCMD'
  | 'STATE';

export interface SparkplugTopic {
  type: SparkplugMessageType;
  group: string;
  edge: string;
  /** Present exactly for device messages (DBIRTH, DDATA, DDEATH, DCMD). */
  device?: string;
}

const nodeTypes = new Set<string>(['NBIRTH', 'NDATA', 'NDEATH', 'NCMD']);
const deviceTypes = new Set<string>(['DBIRTH', 'DDATA', 'DDEATH', 'DCMD']);

/** Parses a topic; a string explains why it is not a Sparkplug B topic. */
export function parseSparkplugTopic(topic: string): SparkplugTopic | string {
  const parts = topic.split('/');
  // Sparkplug 3.0 host state: spBv1.0/STATE/{host}; 2.2 used STATE/{host}.
  if (parts[0] === 'STATE' || (parts[0] === 'spBv1.0' && parts[1] === 'STATE')) {
    return { type: 'STATE', group: '', edge: '' };
  }
  if (parts[0] !== 'spBv1.0')
    return `topic "${topic.slice(0, 120)}" does not start with the Sparkplug B namespace spBv1.0`;
  const [, group, type, edge, device] = parts;
  if (parts.length < 4 || parts.length > 5 || !group || !edge || (parts.length === 5 && !device)) {
    return `topic "${topic.slice(0, 120)}" is not spBv1.0/{group}/{type}/{edge}[/{device}]`;
  }
  if (nodeTypes.has(type)) {
    if (parts.length !== 4)
      return `topic "${topic.slice(0, 120)}" names a device, but ${type} is an edge node message`;
    return { type: type as SparkplugMessageType, group, edge };
  }
  if (deviceTypes.has(type)) {
    if (parts.length !== 5)
      return `topic "${topic.slice(0, 120)}" names no device, but ${type} is a device message`;
    return { type: type as SparkplugMessageType, group, edge, device };
  }
  return `topic "${topic.slice(0, 120)}" has the unknown Sparkplug message type "${type.slice(0, 20)}"`;
}
