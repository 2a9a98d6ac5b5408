// The current model per asset group: version, training data range, loss curve
// and threshold, and the retraining history once the service reports one.
import type { ModelView } from '../api-types.js';
import { axes, mountChart } from '../charts.js';
import { clear, formatNumber, formatTime, h } from '../dom.js';
import type { View, ViewContext } from './view.js';

export function createModelView({ api }: ViewContext): View {
  const body = h('div', { class: 'models' });
  const el = h(
    'section',
    { class: 'view model-view', 'data-view': 'model' },
    h('div', { class: 'toolbar' }, h('h1', {}, 'Model')),
    body,
  );
  const charts: { dispose(): void }[] = [];

  const fact = (label: string, value: string) =>
    h('div', { class: 'fact' }, h('dt', {}, label), h('dd', {}, value));

  const renderModel = (model: ModelView) => {
    const training = model.training ?? null;
    const threshold = model.threshold ?? model.calibration?.value ?? null;
    const range = training?.dataRange;
    const panel = h(
      'div',
      { class: 'panel model', 'data-model': model.version ?? '' },
      h(
        'h2',
        {},
        (model.name ?? model.group) ? `${model.name ?? model.group}: ` : '',
        'version ',
        h('span', { class: 'version' }, model.version ?? model.createdAt ?? 'unknown'),
      ),
      h(
        'dl',
        { class: 'facts' },
        fact('Created', model.createdAt ?? '–'),
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
        fact('Dimensions', model.dims ? `T=${model.dims.T}, C=${model.dims.C}, H=${model.dims.H}` : '–'),
      ),
    );
    const curve = training?.lossCurve ?? [];
    if (curve.length > 0) {
      const host = h('div', { class: 'chart', id: 'loss-chart' });
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
    const history = model.retrainHistory ?? [];
    panel.append(h('h3', {}, 'Retraining history'));
    if (history.length === 0) {
      panel.append(
        h('p', { class: 'muted', id: 'retrain-history' }, 'Not available yet: no retraining has run.'),
      );
    } else {
      panel.append(
        h(
          'ul',
          { id: 'retrain-history' },
          ...history.map((r) =>
            h('li', {}, `${formatTime(r.atMs)}: ${r.version}${r.outcome ? ` (${r.outcome})` : ''}`),
          ),
        ),
      );
    }
    return panel;
  };

  const load = async () => {
    try {
      const { models } = await api.get<{ models: ModelView[] }>('api/models');
      for (const c of charts.splice(0)) c.dispose();
      clear(body);
      if (models.length === 0) body.append(h('p', { class: 'muted' }, 'No model is loaded yet.'));
      for (const model of models) body.append(renderModel(model));
    } catch (err) {
      clear(body);
      body.append(h('p', { class: 'error' }, err instanceof Error ? err.message : String(err)));
    }
  };
  void load();

  return {
    el,
    onChange(change) {
      if (change.structural) void load();
    },
    dispose() {
      for (const c of charts) c.dispose();
    },
  };
}
