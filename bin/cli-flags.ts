// Numeric command-line flags: one check and one wording for every command.
import { PipelineError } from '../core/index.js';

/** What a numeric flag accepts. Without any rule, any finite number. */
export interface NumberFlagRule {
  /** Only whole numbers. */
  integer?: boolean;
  /** Inclusive lower bound. */
  min?: number;
  /** Inclusive upper bound. */
  max?: number;
  /** Strictly greater than zero. */
  positive?: boolean;
}

/** "a whole number from 0 to 65535", "a positive number", "a whole number of at least 1", ... */
function describeNumberRule(rule: NumberFlagRule): string {
  const kind = `${rule.positive ? 'positive ' : ''}${rule.integer ? 'whole number' : 'number'}`;
  if (rule.min !== undefined && rule.max !== undefined) return `a ${kind} from ${rule.min} to ${rule.max}`;
  if (rule.min !== undefined) return `a ${kind} of at least ${rule.min}`;
  if (rule.max !== undefined) return `a ${kind} of at most ${rule.max}`;
  return `a ${kind}`;
}

/**
 * The value of `--<flag>` as a number, or a CLI_USAGE error that names the flag, says what it
 * accepts and quotes what it got. Non-numbers, NaN, ±Infinity and empty text are always refused.
 */
export function numberFlag(flag: string, text: string, rule: NumberFlagRule = {}): number {
  // Number('') and Number('  ') are 0: empty text is no number.
  const n = text.trim() === '' ? Number.NaN : Number(text);
  const isAccepted =
    Number.isFinite(n) &&
    (!rule.integer || Number.isInteger(n)) &&
    (!rule.positive || n > 0) &&
    (rule.min === undefined || n >= rule.min) &&
    (rule.max === undefined || n <= rule.max);
  if (!isAccepted) {
    throw new PipelineError('CLI_USAGE', `--${flag} must be ${describeNumberRule(rule)}, got "${text}"`, {
      details: { field: flag },
    });
  }
  return n;
}
