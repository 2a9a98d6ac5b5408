// Operator actions on dead letters, for `gruwatch webhooks replay`: list them,
// and move them back into their sink's outbox queue with fresh attempts.
import type { LocalStore } from './local-store.js';
import type { DeadLetter } from './outbox.js';

export function listDeadLetters(
  store: LocalStore,
  filter: { sink?: string; limit?: number } = {},
): DeadLetter[] {
  return store.listDeadLetters(filter);
}

/** Returns how many dead letters went back into the outbox (a key still queued is not duplicated). */
export function replayDeadLetters(
  store: LocalStore,
  filter: { sink?: string; ids?: readonly number[] } = {},
): number {
  return store.replayDeadLetters(filter);
}
