// Overview of all assets: status, score / threshold, a sparkline of recent
// ratios and the top channels. Rows are keyed by asset and updated in place;
// only changed rows are touched, and the order is recomputed at most once a
// second, so hundreds of assets stay smooth under a stream of scores.
import { channelNames, formatRatio, formatTime, h } from '../dom.js';
import type { AssetEntry } from '../live-store.js';
import { drawSparkline, sparklineSize } from '../sparkline.js';
import { statusBadge, statusRank, updateBadge } from '../status-badge.js';
import type { View, ViewContext } from './view.js';

type SortKey = 'attention' | 'ratio' | 'asset' | 'updated';

interface Row {
  tr: HTMLTableRowElement;
  badge: HTMLSpanElement;
  ratio: HTMLTableCellElement;
  spark: HTMLCanvasElement;
  top: HTMLTableCellElement;
  updated: HTMLTableCellElement;
}

const resortIntervalMs = 1000;

export function createOverviewView({ store }: ViewContext): View {
  let sortKey: SortKey = 'attention';
  let filterText = '';
  let filterStatus = 'all';
  let lastSortMs = 0;
  let resortTimer: ReturnType<typeof setTimeout> | undefined;
  const rows = new Map<string, Row>();
  let order: string[] = [];

  const filterInput = h('input', {
    type: 'search',
    placeholder: 'Filter assets…',
    'aria-label': 'Filter assets',
    id: 'asset-filter',
  });
  const statusSelect = h(
    'select',
    { 'aria-label': 'Status filter', id: 'status-filter' },
    h('option', { value: 'all' }, 'all states'),
    h('option', { value: 'attention' }, 'needs attention'),
    h('option', { value: 'alerting' }, 'alerting'),
    h('option', { value: 'gap' }, 'data gap / unknown'),
    h('option', { value: 'suppressed' }, 'silenced / maintenance / off'),
    h('option', { value: 'normal' }, 'normal'),
  );
  const count = h('span', { class: 'muted', id: 'asset-count' });
  const tbody = h('tbody');
  const sortButton = (key: SortKey, label: string) => {
    const button = h('button', { type: 'button', class: 'sort', 'data-sort': key }, label);
    button.addEventListener('click', () => {
      sortKey = key;
      resort();
    });
    return button;
  };
  const table = h(
    'table',
    { class: 'assets', id: 'assets-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}, sortButton('attention', 'State')),
        h('th', {}, sortButton('asset', 'Asset')),
        h('th', { class: 'num' }, sortButton('ratio', 'Score / threshold')),
        h('th', {}, 'Recent'),
        h('th', {}, 'Top channels'),
        h('th', {}, sortButton('updated', 'Updated')),
      ),
    ),
    tbody,
  );
  const el = h(
    'section',
    { class: 'view overview', 'data-view': 'overview' },
    h('div', { class: 'toolbar' }, h('h1', {}, 'Assets'), filterInput, statusSelect, count),
    h('div', { class: 'table-wrap' }, table),
    h('p', { class: 'empty muted', id: 'no-assets' }, 'No assets have reported yet.'),
  );

  const matches = (entry: AssetEntry): boolean => {
    const { assetId, status } = entry.snapshot;
    if (filterText !== '' && !assetId.toLowerCase().includes(filterText)) return false;
    switch (filterStatus) {
      case 'attention':
        return statusRank[status] <= statusRank.unknown;
      case 'alerting':
        return status === 'alerting' || status === 'clearing' || status === 'pending';
      case 'gap':
        return status === 'gap' || status === 'unknown';
      case 'suppressed':
        return status === 'silenced' || status === 'maintenance' || status === 'off';
      case 'normal':
        return status === 'normal' || status === 'cooldown';
      default:
        return true;
    }
  };

  const compare = (a: AssetEntry, b: AssetEntry): number => {
    const sa = a.snapshot;
    const sb = b.snapshot;
    switch (sortKey) {
      case 'asset':
        return sa.assetId.localeCompare(sb.assetId);
      case 'ratio':
        return (sb.ratio ?? -1) - (sa.ratio ?? -1) || sa.assetId.localeCompare(sb.assetId);
      case 'updated':
        return (sb.lastAtMs ?? 0) - (sa.lastAtMs ?? 0) || sa.assetId.localeCompare(sb.assetId);
      default: {
        // Alerting, clearing and pending assets by ratio; the quiet rest by name, so a
        // wall screen does not reshuffle with every noisy score.
        const byRank = statusRank[sa.status] - statusRank[sb.status];
        if (byRank !== 0) return byRank;
        const byRatio = statusRank[sa.status] <= statusRank.pending ? (sb.ratio ?? -1) - (sa.ratio ?? -1) : 0;
        return byRatio || sa.assetId.localeCompare(sb.assetId);
      }
    }
  };

  // Rows off screen are only re-filed (status, filter); their text and sparkline are
  // painted when they scroll into view. With hundreds of assets only a screenful is painted.
  const visible = new Set<string>();
  const stale = new Set<string>();

  const paintRow = (row: Row, entry: AssetEntry, size: { width: number; height: number }) => {
    const s = entry.snapshot;
    updateBadge(row.badge, s.status, entry.severity);
    setText(row.ratio, formatRatio(s.ratio));
    row.ratio.classList.toggle('over', s.ratio !== null && s.ratio >= 1);
    setText(row.top, channelNames(s.topChannels).join(', ') || '–');
    // Below the threshold the ranking of channels is noise: shown, but quietly.
    row.top.classList.toggle('muted', s.ratio === null || s.ratio < 1);
    setText(row.updated, formatTime(s.lastAtMs));
    drawSparkline(row.spark, entry.ratios, size);
  };

  const updateRow = (row: Row, entry: AssetEntry, size: { width: number; height: number }) => {
    const id = entry.snapshot.assetId;
    if (row.tr.dataset.status !== entry.snapshot.status) row.tr.dataset.status = entry.snapshot.status;
    const isHidden = !matches(entry);
    if (row.tr.hidden !== isHidden) row.tr.hidden = isHidden;
    if (visible.has(id)) paintRow(row, entry, size);
    else stale.add(id);
  };

  const observer = new IntersectionObserver(
    (records) => {
      const size = sparklineSize();
      for (const record of records) {
        const id = (record.target as HTMLElement).dataset.asset!;
        if (!record.isIntersecting) {
          visible.delete(id);
          continue;
        }
        visible.add(id);
        const row = rows.get(id);
        const entry = store.assets.get(id);
        if (stale.delete(id) && row !== undefined && entry !== undefined) paintRow(row, entry, size);
      }
    },
    { rootMargin: '300px 0px' },
  );

  const createRow = (entry: AssetEntry): Row => {
    const id = entry.snapshot.assetId;
    const badge = statusBadge(entry.snapshot.status, entry.severity);
    const ratio = h('td', { class: 'num ratio' });
    const spark = h('canvas', { class: 'spark', width: 120, height: 24, 'aria-hidden': 'true' });
    const top = h('td', { class: 'top-channels' });
    const updated = h('td', { class: 'muted' });
    const tr = h(
      'tr',
      { 'data-asset': id },
      h('td', {}, badge),
      h('td', {}, h('a', { href: `#/asset/${encodeURIComponent(id)}` }, id)),
      ratio,
      h('td', {}, spark),
      top,
      updated,
    );
    observer.observe(tr);
    return { tr, badge, ratio, spark, top, updated };
  };

  const refreshCount = () => {
    let shown = 0;
    for (const row of rows.values()) if (!row.tr.hidden) shown++;
    count.textContent = `${shown} of ${rows.size} assets`;
    (el.querySelector('#no-assets') as HTMLElement).hidden = rows.size > 0;
  };

  function resort() {
    clearTimeout(resortTimer);
    resortTimer = undefined;
    lastSortMs = performance.now();
    const ids = [...store.assets.values()].sort(compare).map((e) => e.snapshot.assetId);
    // Moving rows costs a relayout of the table: only when the order really changed.
    if (ids.length !== order.length || ids.some((id, i) => id !== order[i])) {
      const fragment = document.createDocumentFragment();
      for (const id of ids) fragment.append(rows.get(id)!.tr);
      tbody.append(fragment);
      order = ids;
    }
    for (const button of el.querySelectorAll<HTMLButtonElement>('button.sort')) {
      button.setAttribute('aria-pressed', String(button.dataset.sort === sortKey));
    }
  }

  const scheduleResort = () => {
    const wait = resortIntervalMs - (performance.now() - lastSortMs);
    if (wait <= 0) resort();
    else resortTimer ??= setTimeout(resort, wait);
  };

  const refilter = () => {
    for (const [id, row] of rows) row.tr.hidden = !matches(store.assets.get(id)!);
    refreshCount();
  };

  function setText(cell: HTMLElement, text: string) {
    if (cell.textContent !== text) cell.textContent = text;
  }

  const renderAll = () => {
    const size = sparklineSize();
    for (const [id, row] of rows) {
      if (!store.assets.has(id)) {
        observer.unobserve(row.tr);
        row.tr.remove();
        rows.delete(id);
        visible.delete(id);
        stale.delete(id);
      }
    }
    for (const [id, entry] of store.assets) {
      let row = rows.get(id);
      if (row === undefined) {
        row = createRow(entry);
        rows.set(id, row);
        tbody.append(row.tr);
      }
      updateRow(row, entry, size);
    }
    resort();
    refreshCount();
  };

  filterInput.addEventListener('input', () => {
    filterText = filterInput.value.trim().toLowerCase();
    refilter();
  });
  statusSelect.addEventListener('change', () => {
    filterStatus = statusSelect.value;
    refilter();
  });
  queueMicrotask(renderAll);

  return {
    el,
    onChange(change) {
      if (change.structural) {
        renderAll();
        return;
      }
      const size = sparklineSize();
      for (const id of change.assets) {
        const entry = store.assets.get(id);
        const row = rows.get(id);
        if (entry !== undefined && row !== undefined) updateRow(row, entry, size);
      }
      if (change.assets.size > 0) {
        refreshCount();
        scheduleResort();
      }
    },
    dispose() {
      clearTimeout(resortTimer);
      observer.disconnect();
    },
  };
}
