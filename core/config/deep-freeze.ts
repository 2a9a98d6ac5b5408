// Freezes a parsed configuration all the way down, so no component can change
// what another one was given (Fastify freezes its validated options likewise).

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    // Typed arrays and class instances (Secret) keep their own behaviour.
    if (ArrayBuffer.isView(value)) return value;
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}
