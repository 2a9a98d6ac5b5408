// One asset: the score as a ratio to the threshold (1 is the threshold, so
// "how far over" reads at a glance whatever the score's scale) with alert
// periods shaded, the per-channel contributions of the selected moment (hover
// or tap the score chart), and each channel's signal with the model's
// reconstruction. Sized so that on a 1000 px tall screen the score, the
// contributions and the first signals are seen together.

import type { AlertEventView, FramesView, ScorePoint } from '../../../api/api-types.js';
import { groupAlertEvents } from '../alert-periods.js';
import { axes, mountChart, type ShadedRange, shadeRanges, timeSeries, type uPlot } from '../charts.js';
import { clear, formatNumber, formatRatio, formatTime, h } from '../dom.js';
import { statusBadge } from '../status-badge.js';
import type { View, ViewContext } from './view.js';

const ranges = [
  { label: '15 min', ms: 15 * 60_000 },
  { label: '1 h', ms: 3_600_000 },
  { label: '6 h', ms: 6 * 3_600_000 },
  { label: '24 h', ms: 24 * 3_600_000 },
];
const maxScores = 5000;
const scoreChartPx = 220;
const signalChartPx = 130;
const framesRefreshMs = 5000;

export function createAssetView({ api, store }: ViewContext, assetId: string): View {
  let rangeMs = ranges[1].ms;
  let scores: ScorePoint[] = [];
  let periods: ShadedRange[] = [];
  let selected = -1;
  let scoreChart: { chart: uPlot; dispose(): void } | null = null;
  const signalCharts: { chart: uPlot; dispose(): void }[] = [];
  let signalChannels: readonly string[] = [];
  let lastFramesMs = 0;
  let disposed = false;

  const rangeSelect = h(
    'select',
    { 'aria-label': 'Time range' },
    ...ranges.map((r) => h('option', { value: r.ms, selected: r.ms === rangeMs }, r.label)),
  );
  const header = h('div', { class: 'asset-header' });
  const scoreHost = h('div', { class: 'chart', id: 'score-chart' });
  const contributions = h('div', { class: 'contributions', id: 'contributions' });
  const signals = h('div', { class: 'signals', id: 'signals' });
  const el = h(
    'section',
    { class: 'view asset', 'data-view': 'asset' },
    h('div', { class: 'toolbar' }, h('a', { href: '#/' }, '← all assets'), h('h1', {}, assetId), rangeSelect),
    header,
    h(
      'div',
      { class: 'asset-grid' },
      h('div', { class: 'panel' }, h('h2', {}, 'Score against threshold'), scoreHost),
      h('div', { class: 'panel' }, h('h2', {}, 'Channel contributions'), contributions),
    ),
    h(
      'div',
      { class: 'panel' },
      h(
        'h2',
        {},
        'Signals and reconstruction ',
        // One key for all signal charts instead of a legend under each: more charts fit on a screen.
        h(
          'span',
          { class: 'chart-key' },
          h('span', { class: 'key-signal' }, 'signal'),
          ' ',
          h('span', { class: 'key-reconstruction' }, 'reconstruction'),
        ),
      ),
      signals,
    ),
  );

  const renderHeader = () => {
    const entry = store.assets.get(assetId);
    clear(header);
    if (entry === undefined) {
      header.append(h('p', { class: 'muted' }, 'This asset has not reported since the page was opened.'));
      return;
    }
    const s = entry.snapshot;
    header.append(
      statusBadge(s.status, entry.severity),
      h('span', { class: 'stat' }, 'score / threshold ', h('strong', {}, formatRatio(s.ratio))),
      h('span', { class: 'stat' }, 'score ', h('strong', {}, formatNumber(s.score))),
      h('span', { class: 'stat' }, 'threshold ', h('strong', {}, formatNumber(s.threshold))),
      h('span', { class: 'stat muted' }, `updated ${formatTime(s.lastAtMs)}`),
    );
  };

  const renderContributions = () => {
    clear(contributions);
    const point = scores[selected];
    if (point === undefined) {
      contributions.append(h('p', { class: 'muted' }, 'No score selected.'));
      return;
    }
    let bars: { channel: string; share: number }[];
    if (point.channels && point.contributions) {
      bars = point.channels.map((channel, i) => ({ channel, share: point.contributions![i] ?? 0 }));
    } else {
      bars = (point.topChannels ?? []).flatMap((c) => (typeof c === 'string' ? [] : [c]));
    }
    bars.sort((a, b) => b.share - a.share);
    contributions.append(
      h('p', { class: 'muted' }, `at ${formatTime(point.atMs)}, ratio ${formatRatio(point.ratio)}`),
    );
    const list = h('ol', { class: 'bars' });
    for (const bar of bars) {
      const pct = Math.max(0, Math.min(100, bar.share * 100));
      const fill = h('span', { class: 'bar-fill' });
      fill.style.width = `${pct}%`;
      list.append(
        h(
          'li',
          { 'data-channel': bar.channel },
          h('span', { class: 'bar-label', title: bar.channel }, bar.channel),
          h('span', { class: 'bar-track' }, fill),
          h('span', { class: 'bar-value' }, `${pct.toFixed(1)}%`),
        ),
      );
    }
    if (bars.length === 0) list.append(h('li', { class: 'muted' }, 'No contributions recorded.'));
    contributions.append(list);
  };

  const scoreData = (): uPlot.AlignedData => [
    scores.map((s) => s.atMs / 1000),
    scores.map((s) => (s.threshold !== null && s.threshold > 0 ? s.score / s.threshold : s.ratio)),
    scores.map(() => 1),
  ];

  const renderScoreChart = () => {
    scoreChart?.dispose();
    clear(scoreHost);
    if (scores.length === 0) {
      scoreHost.append(h('p', { class: 'muted' }, 'No scores in this range yet.'));
      scoreChart = null;
      return;
    }
    scoreChart = mountChart(
      scoreHost,
      {
        series: [
          timeSeries(),
          { label: 'score / threshold', stroke: '#4fc3f7', width: 1.5, value: (_u, v) => formatRatio(v) },
          { label: 'threshold', stroke: '#ffb74d', width: 1.5, dash: [6, 4], value: () => '1' },
        ],
        axes: axes('score / threshold'),
        // The threshold (1) and 0 always in view, however low or high the scores run.
        scales: { y: { range: (_u, min, max) => [Math.min(0, min), Math.max(1.25, max * 1.05)] } },
        cursor: { sync: { key: `asset-${assetId}` } },
        hooks: {
          drawClear: [shadeRanges(() => periods)],
          setScale: [
            (u, key) => {
              if (key !== 'y') return;
              scoreHost.dataset.yMin = String(u.scales.y.min);
              scoreHost.dataset.yMax = String(u.scales.y.max);
            },
          ],
          setCursor: [
            (u) => {
              if (u.cursor.idx !== null && u.cursor.idx !== undefined && u.cursor.idx !== selected) {
                selected = u.cursor.idx;
                renderContributions();
              }
            },
          ],
        },
      },
      scoreData(),
      scoreChartPx,
    );
  };

  const loadAlerts = async () => {
    const { alerts } = await api.get<{ alerts: AlertEventView[] }>(
      `api/alerts?asset=${encodeURIComponent(assetId)}&limit=500`,
    );
    periods = groupAlertEvents(alerts).map((p) => ({
      fromS: p.openedAtMs / 1000,
      toS: (p.resolvedAtMs ?? Number.MAX_SAFE_INTEGER) / 1000,
      color: p.severity === 'critical' ? 'rgba(255,82,82,0.22)' : 'rgba(255,183,77,0.2)',
    }));
    scoreChart?.chart.redraw(false);
  };

  const signalData = (frames: FramesView, c: number): uPlot.AlignedData => [
    frames.points.map((p) => p.atMs / 1000),
    frames.points.map((p) => p.values[c] ?? null),
    frames.points.map((p) => p.reconstruction?.[c] ?? null),
  ];

  const renderSignals = (frames: FramesView) => {
    const isSameLayout =
      frames.points.length > 0 &&
      signalCharts.length === frames.channels.length &&
      frames.channels.every((channel, i) => channel === signalChannels[i]);
    if (isSameLayout) {
      signalCharts.forEach((c, i) => {
        c.chart.setData(signalData(frames, i));
      });
      return;
    }
    for (const c of signalCharts.splice(0)) c.dispose();
    signalChannels = frames.available === false ? [] : frames.channels;
    clear(signals);
    if (frames.available === false) {
      signals.append(h('p', { class: 'muted' }, 'This service does not provide signal frames.'));
      return;
    }
    if (frames.points.length === 0) {
      signals.append(h('p', { class: 'muted' }, 'No signal frames stored for this range.'));
      return;
    }
    frames.channels.forEach((channel, c) => {
      const host = h('div', { class: 'chart signal', 'data-channel': channel });
      signals.append(h('div', { class: 'signal-cell' }, h('h3', { title: channel }, channel), host));
      signalCharts.push(
        mountChart(
          host,
          {
            series: [
              timeSeries(),
              { label: 'signal', stroke: '#81c784', width: 1.5 },
              { label: 'reconstruction', stroke: '#ce93d8', width: 1.2, dash: [4, 3] },
            ],
            axes: axes(undefined),
            cursor: { sync: { key: `asset-${assetId}` } },
            hooks: { drawClear: [shadeRanges(() => periods)] },
            legend: { show: false },
          },
          signalData(frames, c),
          signalChartPx,
        ),
      );
    });
  };

  /** The query range: `rangeMs` up to the asset's newest window (data time, not the wall clock). */
  const rangeQuery = () => {
    const toMs = (store.assets.get(assetId)?.snapshot.lastAtMs ?? Date.now()) + 1;
    return `from=${toMs - rangeMs}&to=${toMs}`;
  };

  const loadFrames = async () => {
    lastFramesMs = performance.now();
    try {
      const frames = await api.get<FramesView>(
        `api/assets/${encodeURIComponent(assetId)}/frames?${rangeQuery()}`,
      );
      if (!disposed) renderSignals(frames);
    } catch (err) {
      if (disposed || signalCharts.length > 0) return; // Keep the charts shown; the next refresh retries.
      clear(signals);
      signals.append(
        h(
          'p',
          { class: 'muted' },
          `Signals could not be loaded: ${err instanceof Error ? err.message : String(err)}`,
        ),
      );
    }
  };

  const load = async () => {
    const [scoreResult] = await Promise.allSettled([
      api.get<{ scores: ScorePoint[] }>(
        `api/assets/${encodeURIComponent(assetId)}/scores?${rangeQuery()}&limit=${maxScores}`,
      ),
      loadFrames(),
      loadAlerts(),
    ]);
    if (disposed) return;
    scores =
      scoreResult.status === 'fulfilled' ? [...scoreResult.value.scores].sort((a, b) => a.atMs - b.atMs) : [];
    selected = scores.length - 1;
    renderScoreChart();
    renderContributions();
  };

  rangeSelect.addEventListener('change', () => {
    rangeMs = Number(rangeSelect.value);
    void load();
  });
  renderHeader();
  void load();

  return {
    el,
    onChange(change) {
      if (change.assets.has(assetId) || change.structural) renderHeader();
      const fresh = change.scores.filter((s) => s.assetId === assetId);
      if (fresh.length > 0 && scoreChart !== null) {
        const following = selected === scores.length - 1;
        scores.push(...fresh);
        const cutoffMs = scores[scores.length - 1].atMs - rangeMs;
        while (scores.length > 0 && scores[0].atMs < cutoffMs) scores.shift();
        if (scores.length > maxScores) scores.splice(0, scores.length - maxScores);
        scoreChart.chart.setData(scoreData());
        if (following) {
          selected = scores.length - 1;
          renderContributions();
        }
      } else if (fresh.length > 0) {
        scores.push(...fresh);
        selected = scores.length - 1;
        renderScoreChart();
        renderContributions();
      }
      if (change.alerts) void loadAlerts().catch(() => undefined);
      // Frames are not streamed: refetched while scores arrive, at most every few seconds.
      if (fresh.length > 0 && performance.now() - lastFramesMs > framesRefreshMs) void loadFrames();
    },
    dispose() {
      disposed = true;
      scoreChart?.dispose();
      for (const c of signalCharts) c.dispose();
    },
  };
}
