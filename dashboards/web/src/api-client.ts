// The page's access to the HTTP API: JSON requests and the live stream.
// A token in the page's URL (`?access_token=`, how a wall display opens the
// page with its viewer token) is taken without a dialog; otherwise, when the
// API answers 401, the page asks for the token once. Either is kept in
// sessionStorage (gone with the tab), taken out of the address bar, and sent
// as a bearer header, and as `access_token` on the stream because EventSource
// cannot send headers.
import type { LiveMessage } from '../../api/api-types.js';

const tokenStorageKey = 'gruwatch.apiToken';
const liveEventTypes = ['score', 'alert', 'status', 'model'] as const;

export type StreamState = 'connecting' | 'open' | 'reconnecting';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ApiClient {
  get<T>(path: string): Promise<T>;
  send<T>(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<T | undefined>;
  /** Opens the live stream and keeps it open (reconnecting with back-off); returns the close function. */
  stream(onMessage: (message: LiveMessage) => void, onState: (state: StreamState) => void): () => void;
}

export interface ApiClientDeps {
  /** Asks the operator for the API token; `refused` is true when a previous one was rejected. */
  askToken(refused: boolean): Promise<string>;
}

/** Takes `access_token` out of the page's URL into sessionStorage; the token stays off screen and history. */
function takeTokenFromUrl(): void {
  const url = new URL(location.href);
  const given = url.searchParams.get('access_token');
  if (given === null) return;
  if (given !== '') sessionStorage.setItem(tokenStorageKey, given);
  url.searchParams.delete('access_token');
  history.replaceState(history.state, '', url);
}

export function createApiClient(deps: ApiClientDeps): ApiClient {
  takeTokenFromUrl();
  let token = sessionStorage.getItem(tokenStorageKey);
  // One prompt for all requests that hit 401 at the same time.
  let pendingToken: Promise<string> | null = null;

  const obtainToken = (refused: boolean): Promise<string> => {
    pendingToken ??= deps.askToken(refused).then((given) => {
      token = given;
      sessionStorage.setItem(tokenStorageKey, given);
      pendingToken = null;
      return given;
    });
    return pendingToken;
  };

  const request = async <T>(method: string, path: string, given?: unknown): Promise<T | undefined> => {
    // The API accepts changes only as JSON (what another site's page cannot send unasked).
    const body = given === undefined && method === 'POST' ? {} : given;
    for (;;) {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (token) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const sentToken = token;
      const res = await fetch(path, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      if (res.status === 401) {
        // Another request may already have obtained a fresh token: retry with it first.
        if (token === sentToken) await obtainToken(sentToken !== null);
        continue;
      }
      if (!res.ok) {
        let detail = res.statusText;
        try {
          const json = (await res.json()) as { message?: string; problems?: string[] };
          detail = json.problems?.join('; ') ?? json.message ?? detail;
        } catch {
          // Not JSON: keep the status text.
        }
        throw new ApiError(res.status, path, `${method} ${path} failed (${res.status}): ${detail}`);
      }
      if (res.status === 204) return undefined;
      return (await res.json()) as T;
    }
  };

  return {
    get: async <T>(path: string) => (await request<T>('GET', path)) as T,
    send: (method, path, body) => request(method, path, body),
    stream(onMessage, onState) {
      let source: EventSource | null = null;
      let closed = false;
      let retryMs = 500;
      let timer: ReturnType<typeof setTimeout> | undefined;

      const open = async () => {
        if (closed) return;
        onState(source === null ? 'connecting' : 'reconnecting');
        try {
          // A cheap authorised request first: it asks for the token when needed,
          // which EventSource alone cannot do (it only sees a failed connection).
          await request('GET', 'api/models');
        } catch {
          schedule();
          return;
        }
        if (closed) return;
        const url = token ? `api/stream?access_token=${encodeURIComponent(token)}` : 'api/stream';
        const es = new EventSource(url);
        source = es;
        es.onopen = () => {
          retryMs = 500;
          onState('open');
        };
        es.onerror = () => {
          if (es.readyState === EventSource.CLOSED) {
            schedule();
          } else {
            onState('reconnecting');
          }
        };
        for (const type of liveEventTypes) {
          es.addEventListener(type, (event) => {
            try {
              onMessage({ type, data: JSON.parse((event as MessageEvent<string>).data) } as LiveMessage);
            } catch {
              // A malformed event is dropped; the next snapshot refresh corrects the view.
            }
          });
        }
      };
      const schedule = () => {
        source?.close();
        if (closed) return;
        onState('reconnecting');
        timer = setTimeout(open, retryMs);
        retryMs = Math.min(retryMs * 2, 15_000);
      };
      void open();
      return () => {
        closed = true;
        clearTimeout(timer);
        source?.close();
      };
    },
  };
}
