// Topic templates: `plants/{site}/{asset}/{channel}` names topic levels; the
// subscription filter is derived (`plants/+/+/+`) and each received topic is
// matched back into fields ({ site, asset, channel }) for the decoder.

export interface TopicTemplate {
  readonly template: string;
  /** The MQTT subscription filter: `{field}` levels become `+`. */
  readonly filter: string;
  /** Fields of a matching topic, or undefined if the topic does not fit the template. */
  match(topic: string): Record<string, string> | undefined;
}

/** Returns a problem description, or undefined if the template is valid. */
export function checkTopicTemplate(template: string): string | undefined {
  if (template.length === 0) return 'a topic template must not be empty';
  if (template.startsWith('$share/')) return 'write the filter without $share/…; set `sharedGroup` instead';
  const levels = template.split('/');
  const names = new Set<string>();
  for (const [i, level] of levels.entries()) {
    if (level === '#') {
      if (i !== levels.length - 1) return `"#" must be the last level of "${template}"`;
      continue;
    }
    if (level === '+') continue;
    const field = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(level);
    if (field !== null) {
      if (names.has(field[1])) return `field {${field[1]}} appears twice in "${template}"`;
      names.add(field[1]);
      continue;
    }
    if (/[{}+#]/.test(level)) {
      return `level "${level}" of "${template}" must be literal text, "+", "#" or a whole {field}`;
    }
  }
  return undefined;
}

export function parseTopicTemplate(template: string): TopicTemplate {
  const problem = checkTopicTemplate(template);
  if (problem !== undefined) throw new Error(problem);
  const levels = template.split('/');
  const hasTail = levels.at(-1) === '#';
  const fixed = hasTail ? levels.slice(0, -1) : levels;
  const fieldAt = fixed.map((level) => (level.startsWith('{') ? level.slice(1, -1) : undefined));
  const filter = levels.map((level) => (level.startsWith('{') ? '+' : level)).join('/');
  return {
    template,
    filter,
    match(topic) {
      const parts = topic.split('/');
      if (hasTail ? parts.length < fixed.length : parts.length !== fixed.length) return undefined;
      const fields: Record<string, string> = {};
      for (let i = 0; i < fixed.length; i++) {
        const name = fieldAt[i];
        if (name !== undefined) {
          if (parts[i] === '') return undefined;
          fields[name] = parts[i];
        } else if (fixed[i] !== '+' && fixed[i] !== parts[i]) {
          return undefined;
        }
      }
      return fields;
    },
  };
}

// Topics repeat (one per asset and channel), so matches are cached; the cache is bounded
// because topics come from the network.
const maxCachedTopics = 10_000;

/** Matches a topic against templates in order; the first match wins. Returned fields are shared: do not mutate. */
export function createTopicMap(templates: readonly string[]) {
  const parsed = templates.map(parseTopicTemplate);
  const cache = new Map<string, Readonly<Record<string, string>> | undefined>();
  const matchUncached = (topic: string) => {
    for (const t of parsed) {
      const fields = t.match(topic);
      if (fields !== undefined) return Object.freeze(fields);
    }
    return undefined;
  };
  return {
    filters: parsed.map((t) => t.filter),
    match(topic: string): Readonly<Record<string, string>> | undefined {
      if (cache.has(topic)) return cache.get(topic);
      const fields = matchUncached(topic);
      if (cache.size >= maxCachedTopics) cache.clear();
      cache.set(topic, fields);
      return fields;
    },
  };
}
