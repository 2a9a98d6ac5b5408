// A secret value (password, token, signing key) that cannot leak by accident:
// it serialises as "[redacted]" in logs, JSON and util.inspect, and the
// plain value is only reachable through reveal().

const redacted = '[redacted]';

export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toJSON(): string {
    return redacted;
  }
  toString(): string {
    return redacted;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return redacted;
  }
}
