// Finds the line of a key or value in the YAML text a configuration came from,
// so a message can say `plant.yaml:12` instead of only the key's path.
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';

export interface YamlLocator {
  /** The 1-based line of the key `key` in the mapping at `path`, or of the node at `path`. */
  lineOf(path: readonly PropertyKey[], key?: string): number | undefined;
}

export function createYamlLocator(text: string): YamlLocator {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  return {
    lineOf(path, key) {
      const node =
        path.length === 0 ? doc.contents : (doc.getIn(path as unknown[], true) as YamlNode | undefined);
      if (key !== undefined && isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === key);
        const range = pair && isScalar(pair.key) ? pair.key.range : undefined;
        if (range) return lineCounter.linePos(range[0]).line;
      }
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      return range ? lineCounter.linePos(range[0]).line : undefined;
    },
  };
}
