// The live page: asks the API who it is (operator or read-only viewer) and
// which time zone the plant keeps, loads the asset snapshot and recent alerts,
// keeps them current from the server-sent event stream, and routes between the
// views by the URL hash (#/, #/asset/<id>, #/alerts, #/model).
import type { AlertsResponse, AssetsResponse, Session } from '../../api/api-types.js';
import { createApiClient } from './api-client.js';
import { startDeliveryBadge } from './delivery-badge.js';
import { h } from './dom.js';
import { LiveStore } from './live-store.js';
import { setTimeZone, timeZone } from './time-format.js';
import { askToken } from './token-prompt.js';
import { createAlertsView } from './views/alerts-view.js';
import { createAssetView } from './views/asset-view.js';
import { createModelView } from './views/model-view.js';
import { createOverviewView } from './views/overview-view.js';
import type { View, ViewContext } from './views/view.js';

const largeTypeKey = 'gruwatch.largeType';

const api = createApiClient({ askToken });
const store = new LiveStore();
const context: ViewContext = { api, store, readOnly: false };
const main = document.getElementById('view')!;
const connection = document.getElementById('connection')!;
let current: View | null = null;

function route(): void {
  current?.dispose();
  const hash = location.hash.replace(/^#\/?/, '');
  const [name, ...rest] = hash.split('/');
  if (name === 'asset' && rest.length > 0)
    current = createAssetView(context, decodeURIComponent(rest.join('/')));
  else if (name === 'alerts') current = createAlertsView(context);
  else if (name === 'model') current = createModelView(context);
  else current = createOverviewView(context);
  main.replaceChildren(current.el);
  const active = name === 'asset' ? '' : name || 'overview';
  for (const link of document.querySelectorAll<HTMLAnchorElement>('nav a')) {
    link.toggleAttribute('aria-current', link.dataset.view === active);
  }
  document.title = `gruwatch · ${name || 'overview'}`;
}

async function refreshSnapshot(): Promise<void> {
  const [{ assets }, { alerts }] = await Promise.all([
    api.get<AssetsResponse>('api/assets'),
    api.get<AlertsResponse>('api/alerts?limit=500'),
  ]);
  store.setAssets(assets);
  store.setAlerts(alerts);
}

/** Who the page is and the plant's time zone, shown in the header; older services answer 404. */
async function loadSession(): Promise<void> {
  try {
    const session = await api.get<Session>('api/session');
    context.readOnly = session.access === 'viewer';
    setTimeZone(session.timeZone);
  } catch {
    // Without a session the page offers its actions and the API decides.
  }
  const zone = document.getElementById('time-zone')!;
  zone.textContent = timeZone();
  zone.title = 'Times on this page are in this time zone, on a 24 h clock.';
  const access = document.getElementById('access')!;
  access.hidden = !context.readOnly;
}

function showError(err: unknown): void {
  main.prepend(h('p', { class: 'error', role: 'alert' }, err instanceof Error ? err.message : String(err)));
}

function setupLargeType(): void {
  const button = document.getElementById('large-type')!;
  const apply = (on: boolean) => {
    document.documentElement.classList.toggle('large-type', on);
    button.setAttribute('aria-pressed', String(on));
  };
  const fromUrl = new URLSearchParams(location.search).get('wall');
  apply(fromUrl !== null ? fromUrl !== '0' : localStorage.getItem(largeTypeKey) === '1');
  button.addEventListener('click', () => {
    const on = !document.documentElement.classList.contains('large-type');
    localStorage.setItem(largeTypeKey, on ? '1' : '0');
    apply(on);
  });
}

setupLargeType();
startDeliveryBadge(api, document.getElementById('deliveries')!);
store.subscribe((change) => current?.onChange(change));
window.addEventListener('hashchange', route);
loadSession()
  .then(refreshSnapshot)
  .catch(showError)
  .finally(() => {
    route();
    api.stream(
      (message) => store.apply(message),
      (state) => {
        connection.textContent = state === 'open' ? 'live' : state;
        connection.dataset.state = state;
        // Events published before the stream was subscribed (first connect or a
        // reconnect) are missing: fetch the snapshot again once it is open.
        if (state === 'open') void refreshSnapshot().catch(showError);
      },
    );
  });
