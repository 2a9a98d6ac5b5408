// Open and recent alerts (severity, duration, top channels) and silences: an
// operator silences an asset, or a glob of assets, for a period; the service
// suppresses new alerts on it until then (detector/suppression.ts). Each alert's
// period can be labelled normal or not normal for retraining (POST /api/labels).

import type { LabelBody, SilenceBody, SilenceView } from '../../../api/api-types.js';
import { labelFromAlert } from '../alert-labels.js';
import { type AlertPeriod, groupAlertEvents } from '../alert-periods.js';
import { channelNames, clear, formatDuration, formatRatio, formatTime, h } from '../dom.js';
import type { View, ViewContext } from './view.js';

const durations = [
  { label: '15 minutes', ms: 15 * 60_000 },
  { label: '1 hour', ms: 3_600_000 },
  { label: '4 hours', ms: 4 * 3_600_000 },
  { label: '24 hours', ms: 24 * 3_600_000 },
  { label: '7 days', ms: 7 * 24 * 3_600_000 },
];

export function createAlertsView({ api, store, readOnly }: ViewContext): View {
  const openBody = h('tbody');
  const recentBody = h('tbody');
  const silenceList = h('ul', { class: 'silences', id: 'silence-list' });
  const qualityList = h('ul', { class: 'data-quality', id: 'data-quality' });
  const message = h('p', { class: 'form-message', role: 'status', id: 'silence-message' });
  const labelMessage = h('p', { class: 'form-message', role: 'status', id: 'label-message' });
  const assetInput = h('input', {
    name: 'asset',
    id: 'silence-asset',
    required: true,
    placeholder: 'asset id or pattern, e.g. pump-*',
    autocomplete: 'off',
  });
  const durationSelect = h(
    'select',
    { name: 'duration', id: 'silence-duration' },
    ...durations.map((d) => h('option', { value: d.ms, selected: d.ms === 3_600_000 }, d.label)),
  );
  const reasonInput = h('input', {
    name: 'reason',
    id: 'silence-reason',
    placeholder: 'reason (shown to others)',
  });
  const form = h(
    'form',
    { class: 'silence-form', id: 'silence-form' },
    h('label', {}, 'Asset ', assetInput),
    h('label', {}, 'for ', durationSelect),
    h('label', {}, 'Reason ', reasonInput),
    h('button', { type: 'submit' }, 'Silence'),
  );
  const alertTable = (body: HTMLTableSectionElement, id: string) =>
    h(
      'table',
      { class: 'alerts', id },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, 'Severity'),
          h('th', {}, 'Asset'),
          h('th', {}, 'Opened'),
          h('th', {}, 'Duration'),
          h('th', { class: 'num' }, 'Peak ratio'),
          h('th', {}, 'Top channels'),
          h('th', {}, ''),
        ),
      ),
      body,
    );
  const el = h(
    'section',
    { class: 'view alerts-view', 'data-view': 'alerts' },
    h('div', { class: 'toolbar' }, h('h1', {}, 'Alerts')),
    h(
      'div',
      { class: 'panel' },
      h('h2', {}, 'Open'),
      h('div', { class: 'table-wrap' }, alertTable(openBody, 'open-alerts')),
      labelMessage,
    ),
    h(
      'div',
      { class: 'panel' },
      h('h2', {}, readOnly ? 'Silences' : 'Silence an asset'),
      readOnly ? null : form,
      message,
      h('h3', {}, 'Active silences'),
      silenceList,
    ),
    h(
      'div',
      { class: 'panel' },
      h('h2', {}, 'Recent'),
      h('div', { class: 'table-wrap' }, alertTable(recentBody, 'recent-alerts')),
    ),
    h('div', { class: 'panel' }, h('h2', {}, 'Data quality'), qualityList),
  );

  const row = (alert: AlertPeriod, nowMs: number) => {
    const silenceButton = h('button', { type: 'button', class: 'small' }, 'Silence…');
    silenceButton.addEventListener('click', () => {
      assetInput.value = alert.assetId;
      reasonInput.focus();
    });
    const labelButton = (kind: LabelBody['kind'], text: string) => {
      const button = h('button', { type: 'button', class: 'small', 'data-label': kind }, text);
      button.addEventListener('click', async () => {
        // The label of an open alert runs to the newest data time seen when clicked.
        const label = labelFromAlert(alert, kind, Math.max(nowMs, dataNowMs()));
        button.disabled = true;
        labelMessage.textContent = 'Saving…';
        delete labelMessage.dataset.outcome;
        try {
          await api.send('POST', 'api/labels', label);
          labelMessage.textContent = `${alert.assetId} ${formatTime(label.fromMs)} → ${formatTime(label.toMs)} marked ${kind === 'normal' ? 'as normal' : 'not normal'} for retraining.`;
          labelMessage.dataset.outcome = 'ok';
        } catch (err) {
          labelMessage.textContent = err instanceof Error ? err.message : String(err);
          labelMessage.dataset.outcome = 'error';
        } finally {
          button.disabled = false;
        }
      });
      return button;
    };
    const endMs = alert.resolvedAtMs ?? nowMs;
    return h(
      'tr',
      { 'data-alert': alert.id, 'data-asset': alert.assetId },
      h(
        'td',
        {},
        h(
          'span',
          { class: 'badge', 'data-status': 'alerting', 'data-severity': alert.severity },
          alert.severity,
        ),
      ),
      h('td', {}, h('a', { href: `#/asset/${encodeURIComponent(alert.assetId)}` }, alert.assetId)),
      h('td', {}, formatTime(alert.openedAtMs)),
      h('td', {}, formatDuration(endMs - alert.openedAtMs), alert.flapping ? ' (flapping)' : ''),
      h('td', { class: 'num' }, formatRatio(alert.peakRatio)),
      h('td', { class: 'top-channels' }, alert.topChannels.join(', ') || '–'),
      readOnly
        ? h('td', { class: 'actions' })
        : h(
            'td',
            { class: 'actions' },
            alert.resolvedAtMs === null ? silenceButton : '',
            ' ',
            labelButton('normal', 'Mark as normal'),
            ' ',
            labelButton('not_normal', 'Mark not normal'),
          ),
    );
  };

  /** The newest data time the page has seen (data time may differ from the wall clock). */
  const dataNowMs = () => {
    let nowMs = 0;
    for (const entry of store.assets.values()) nowMs = Math.max(nowMs, entry.snapshot.lastAtMs ?? 0);
    return nowMs;
  };

  const renderAlerts = () => {
    const alerts = groupAlertEvents(store.alertEvents);
    // Durations of open alerts run to the newest data time the page has seen.
    let nowMs = dataNowMs();
    for (const a of alerts) nowMs = Math.max(nowMs, a.lastEventAtMs);
    const open = alerts.filter((a) => a.resolvedAtMs === null);
    const recent = alerts.filter((a) => a.resolvedAtMs !== null);
    openBody.replaceChildren(...open.map((a) => row(a, nowMs)));
    recentBody.replaceChildren(...recent.slice(0, 100).map((a) => row(a, nowMs)));
    if (open.length === 0)
      openBody.append(h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'No open alerts.')));
    if (recent.length === 0)
      recentBody.append(h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'No resolved alerts yet.')));
    // Channels that stopped reporting or came back, newest first.
    const quality = store.alertEvents.filter((e) => e.type === 'data_quality').slice(0, 50);
    qualityList.replaceChildren(
      ...quality.map((e) =>
        h(
          'li',
          { 'data-asset': e.assetId },
          `${formatTime(e.atMs)} `,
          h('strong', {}, e.assetId),
          ` ${channelNames(e.topChannels).join(', ')}: `,
          e.reason === 'channel_restored' ? 'reports again' : `silent since ${formatTime(e.openedAtMs)}`,
        ),
      ),
    );
    if (quality.length === 0) qualityList.append(h('li', { class: 'muted' }, 'Every channel reports.'));
  };

  const loadSilences = async () => {
    const { silences } = await api.get<{ silences: SilenceView[] }>('api/silences');
    clear(silenceList);
    if (silences.length === 0) silenceList.append(h('li', { class: 'muted' }, 'None.'));
    for (const silence of silences) {
      const item = h(
        'li',
        { 'data-pattern': silence.assetPattern },
        h('strong', {}, silence.assetPattern),
        ` until ${formatTime(silence.untilMs)}`,
        silence.reason ? ` — ${silence.reason}` : '',
        h('span', { class: 'muted' }, ` (by ${silence.createdBy})`),
      );
      // Services without silence ids remove a silence by its asset pattern.
      const id = silence.id ?? silence.assetPattern;
      const remove = h('button', { type: 'button', class: 'small' }, 'Remove');
      remove.addEventListener('click', async () => {
        await api.send('DELETE', `api/silences/${encodeURIComponent(id)}`);
        await loadSilences();
      });
      if (!readOnly) item.append(' ', remove);
      silenceList.append(item);
    }
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const asset = assetInput.value.trim();
    if (asset === '') return;
    message.textContent = 'Saving…';
    try {
      await api.send('POST', 'api/silences', {
        asset,
        durationMs: Number(durationSelect.value),
        reason: reasonInput.value.trim() || 'silenced from the live page',
        createdBy: 'live page',
      } satisfies SilenceBody);
      message.textContent = `${asset} silenced for ${durationSelect.selectedOptions[0]?.textContent ?? ''}.`;
      message.dataset.outcome = 'ok';
      reasonInput.value = '';
      await loadSilences();
    } catch (err) {
      message.textContent = err instanceof Error ? err.message : String(err);
      message.dataset.outcome = 'error';
    }
  });

  renderAlerts();
  void loadSilences().catch((err: unknown) => {
    message.textContent = `Silences could not be loaded: ${err instanceof Error ? err.message : String(err)}`;
  });

  return {
    el,
    onChange(change) {
      if (change.alerts || change.structural) renderAlerts();
    },
    dispose() {},
  };
}
