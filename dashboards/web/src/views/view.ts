// The contract between the router and a view: a view renders into its own
// element, reacts to store changes, and releases its charts on dispose.
import type { ApiClient } from '../api-client.js';
import type { Change, LiveStore } from '../live-store.js';

export interface ViewContext {
  api: ApiClient;
  store: LiveStore;
  /** Opened with the viewer token: actions that change anything are not offered. */
  readOnly: boolean;
}

export interface View {
  readonly el: HTMLElement;
  onChange(change: Change): void;
  dispose(): void;
}
