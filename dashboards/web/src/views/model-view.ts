// The current model per asset group: version, training data range, loss curve
// and threshold; its retraining (schedule, last outcome, a candidate waiting
// for approval or running in shadow) with the operator's actions (promote,
// roll back, retrain now), and the history of model events.
import type { ModelView, PromoteBody, RetrainingView } from '../../../api/api-types.js';
import { axes, mountChart } from '../charts.js';
import { clear, formatNumber, formatTime, h } from '../dom.js';
import { modelKey } from '../live-store.js';
import { modelEventCells, retrainingFacts } from '../retraining-summary.js';
import type { View, ViewContext } from './view.js';

export function createModelView({ api, store, readOnly }: ViewContext): View {
  const body = h('div', { class: 'models' });
  const el = h(
    'section',
    { class: 'view model-view', 'data-view': 'model' },
    h('div', { class: 'toolbar' }, h('h1', {}, 'Model')),
    body,
  );
  /** Rendered panels and their charts, by model key. */
  const panels = new Map<string, { el: HTMLElement; charts: { dispose(): void }[] }>();
  // The outcome of an action outlives the re-render the action itself causes.
  const messages = new Map<string, HTMLElement>();
  const messageFor = (key: string) => {
    let message = messages.get(key);
    if (message === undefined) {
      message = h('p', { class: 'form-message', role: 'status' });
      messages.set(key, message);
    }
    return message;
  };

  const fact = (label: string, value: string) =>
    h('div', { class: 'fact' }, h('dt', {}, label), h('dd', {}, value));

  const actionButton = (
    label: string,
    action: string,
    run: () => Promise<unknown>,
    message: HTMLElement,
    done: string,
  ) => {
    const button = h('button', { type: 'button', class: 'small', 'data-action': action }, label);
    button.addEventListener('click', async () => {
      button.disabled = true;
      message.textContent = `${label}…`;
      delete message.dataset.outcome;
      try {
        await run();
        message.textContent = done;
        message.dataset.outcome = 'ok';
        await load();
      } catch (err) {
        message.textContent = err instanceof Error ? err.message : String(err);
        message.dataset.outcome = 'error';
      } finally {
        button.disabled = false;
      }
    });
    return button;
  };

  const renderRetraining = (
    panel: HTMLElement,
    key: string,
    name: string | undefined,
    retraining: RetrainingView | null,
  ) => {
    const section = h('div', {
      class: 'retraining',
      'data-retraining': retraining?.running ? 'running' : 'idle',
    });
    section.append(
      h('h3', {}, 'Retraining'),
      h('dl', { class: 'facts' }, ...retrainingFacts(retraining).map(([label, value]) => fact(label, value))),
    );
    const message = messageFor(key);
    // A viewer sees the state but is offered no action.
    const modelPath = name === undefined || readOnly ? null : `api/models/${encodeURIComponent(name)}`;
    const pending = retraining?.pendingApproval ?? null;
    if (pending !== null) {
      const approval = h(
        'div',
        { class: 'pending-approval', 'data-version': pending.version },
        h('p', {}, `Candidate ${pending.version} waits for approval since ${formatTime(pending.atMs)}.`),
      );
      if (pending.reasons.length > 0)
        approval.append(h('ul', {}, ...pending.reasons.map((r) => h('li', {}, r))));
      if (modelPath !== null) {
        approval.append(
          actionButton(
            'Promote',
            'promote',
            () =>
              api.send('POST', `${modelPath}/promote`, { version: pending.version } satisfies PromoteBody),
            message,
            `Version ${pending.version} promoted.`,
          ),
        );
      }
      section.append(approval);
    }
    const shadow = retraining?.shadow ?? null;
    if (shadow !== null) {
      section.append(
        h(
          'div',
          { class: 'shadow', 'data-version': shadow.version },
          h('h4', {}, `Shadow run of ${shadow.version}`),
          h(
            'table',
            { class: 'shadow-comparison' },
            h('thead', {}, h('tr', {}, h('th', {}, 'Model'), h('th', { class: 'num' }, 'Alerts (would-be)'))),
            h(
              'tbody',
              {},
              h(
                'tr',
                { 'data-role': 'candidate' },
                h('td', {}, `candidate ${shadow.version}`),
                h('td', { class: 'num' }, String(shadow.candidateAlerts)),
              ),
              h(
                'tr',
                { 'data-role': 'current' },
                h('td', {}, 'current'),
                h('td', { class: 'num' }, String(shadow.currentAlerts)),
              ),
            ),
          ),
          h(
            'p',
            { class: 'muted' },
            `Started ${formatTime(shadow.startedAtMs)}, ends ${formatTime(shadow.endsAtMs)}.`,
          ),
        ),
      );
    }
    if (modelPath !== null && retraining !== null && retraining !== undefined) {
      const actions = h('div', { class: 'actions' });
      // Retraining on request runs the job retraining.enabled switches off: not offered then.
      if (retraining.enabled)
        actions.append(
          actionButton(
            'Retrain now',
            'retrain',
            () => api.send('POST', `${modelPath}/retrain`),
            message,
            'Retraining started.',
          ),
          ' ',
        );
      actions.append(
        actionButton(
          'Roll back',
          'rollback',
          () => api.send('POST', `${modelPath}/rollback`),
          message,
          'Rolled back to the previous version.',
        ),
      );
      section.append(actions);
    }
    section.append(message);
    panel.append(section);
  };

  const renderModel = (model: ModelView) => {
    const charts: { dispose(): void }[] = [];
    const training = model.training ?? null;
    const threshold = model.threshold ?? model.calibration?.value ?? null;
    const range = training?.dataRange;
    const { name } = model;
    const panel = h(
      'div',
      { class: 'panel model', 'data-model': model.version ?? '', 'data-name': name ?? '' },
      h(
        'h2',
        {},
        name ? `${name}: ` : '',
        'version ',
        h('span', { class: 'version' }, model.version ?? model.createdAt ?? 'unknown'),
      ),
      model.needsNewModel
        ? h('p', { class: 'error needs-new-model' }, `Needs a new model: ${model.needsNewModel}`)
        : '',
      h(
        'dl',
        { class: 'facts' },
        fact('Created', model.createdAt ? formatTime(Date.parse(model.createdAt)) : '–'),
        fact(
          'Training data',
          range ? `${formatTime(range.startMs)} → ${formatTime(range.endMs)}` : 'not recorded',
        ),
        fact('Training windows', training ? String(training.windows) : '–'),
        fact('Epochs (best)', training ? `${training.epochs} (${training.bestEpoch})` : '–'),
        fact(
          'Threshold',
          threshold === null
            ? 'not calibrated'
            : `${formatNumber(threshold)}${model.calibration ? ` (${model.calibration.type})` : ''}`,
        ),
        fact('Channels', model.channels?.join(', ') ?? '–'),
        fact(
          'Dimensions',
          model.dims
            ? `T=${model.dims.T}, C=${model.dims.C}${model.dims.H === undefined ? '' : `, H=${model.dims.H}`}`
            : '–',
        ),
      ),
    );
    const curve = training?.lossCurve ?? [];
    if (curve.length > 0) {
      const host = h('div', { class: 'chart loss-chart', id: 'loss-chart' });
      panel.append(h('h3', {}, 'Loss curve'), host);
      queueMicrotask(() =>
        charts.push(
          mountChart(
            host,
            {
              scales: { x: { time: false } },
              series: [
                { label: 'epoch' },
                { label: 'training loss', stroke: '#4fc3f7', width: 1.5 },
                { label: 'validation loss', stroke: '#ffb74d', width: 1.5 },
              ],
              axes: axes('loss', false),
            },
            [curve.map((p) => p.epoch), curve.map((p) => p.trainLoss), curve.map((p) => p.validationLoss)],
            220,
          ),
        ),
      );
    } else {
      panel.append(h('p', { class: 'muted' }, 'No loss curve recorded.'));
    }
    renderRetraining(panel, modelKey(model), name, model.retraining ?? null);
    const history = model.retrainHistory ?? [];
    panel.append(h('h3', {}, 'Retraining history'));
    if (history.length === 0) {
      panel.append(
        h(
          'p',
          { class: 'muted retrain-history', id: 'retrain-history' },
          'Not available yet: no retraining has run.',
        ),
      );
    } else {
      panel.append(
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'retrain-history', id: 'retrain-history' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', {}, 'Time'),
                h('th', {}, 'Event'),
                h('th', {}, 'Version'),
                h('th', {}, 'Reason'),
              ),
            ),
            h(
              'tbody',
              {},
              ...history.map((event) =>
                h(
                  'tr',
                  { 'data-event': event.event },
                  ...modelEventCells(event).map((cell) => h('td', {}, cell)),
                ),
              ),
            ),
          ),
        ),
      );
    }
    return { el: panel, charts };
  };

  const disposePanels = () => {
    for (const panel of panels.values()) for (const c of panel.charts) c.dispose();
    panels.clear();
  };

  const load = async () => {
    try {
      const { models } = await api.get<{ models: ModelView[] }>('api/models');
      disposePanels();
      clear(body);
      if (models.length === 0) body.append(h('p', { class: 'muted' }, 'No model is loaded yet.'));
      for (const model of models) {
        const panel = renderModel(model);
        panels.set(modelKey(model), panel);
        body.append(panel.el);
      }
    } catch (err) {
      clear(body);
      body.append(h('p', { class: 'error' }, err instanceof Error ? err.message : String(err)));
    }
  };
  void load();

  return {
    el,
    onChange(change) {
      if (change.structural) {
        void load();
        return;
      }
      for (const key of change.models) {
        const model = store.models.get(key);
        const old = panels.get(key);
        if (model === undefined) continue;
        if (old === undefined) {
          // A model the page has not shown yet: fetch the list so the order stays the service's.
          void load();
          return;
        }
        const fresh = renderModel(model);
        for (const c of old.charts) c.dispose();
        old.el.replaceWith(fresh.el);
        panels.set(key, fresh);
      }
    },
    dispose() {
      disposePanels();
    },
  };
}
