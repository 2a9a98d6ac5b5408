// uPlot set-up shared by the views: dark axes, charts that follow their
// container's width, times in the plant's zone on a 24 h clock, and shaded
// time ranges (alert periods) behind a series.
import uPlot from 'uplot';
import { timeAxisOptions } from './time-format.js';

const axisStroke = '#9aa7b4';
const gridStroke = 'rgba(255,255,255,0.07)';

export interface ShadedRange {
  fromS: number;
  toS: number;
  color: string;
}

/** The axes of a chart; without `yLabel` the y axis has none (the chart's heading names it). */
export function axes(yLabel: string | undefined, timeAxis = true): uPlot.Axis[] {
  return [
    {
      stroke: axisStroke,
      grid: { stroke: gridStroke },
      ticks: { stroke: gridStroke },
      ...(timeAxis ? { values: timeAxisOptions().values } : { label: 'epoch' }),
    },
    {
      stroke: axisStroke,
      grid: { stroke: gridStroke },
      ticks: { stroke: gridStroke },
      ...(yLabel === undefined ? {} : { label: yLabel }),
      size: 60,
    },
  ];
}

/** The x series of a time chart: the cursor's time in the plant's zone. */
export function timeSeries(): uPlot.Series {
  return { value: timeAxisOptions().legendValue };
}

/** A draw hook that fills the given ranges across the plot area, under the series. */
export function shadeRanges(ranges: () => readonly ShadedRange[]): uPlot.Hooks.Defs['drawClear'] {
  return (u: uPlot) => {
    const { ctx } = u;
    const { top, height, left, width } = u.bbox;
    ctx.save();
    for (const range of ranges()) {
      const x0 = Math.max(left, u.valToPos(range.fromS, 'x', true));
      const x1 = Math.min(left + width, u.valToPos(range.toS, 'x', true));
      if (x1 <= x0) continue;
      ctx.fillStyle = range.color;
      ctx.fillRect(x0, top, x1 - x0, height);
    }
    ctx.restore();
  };
}

/** Creates a chart sized to `host` and keeps its width in step with it. */
export function mountChart(
  host: HTMLElement,
  options: Omit<uPlot.Options, 'width' | 'height'>,
  data: uPlot.AlignedData,
  heightPx: number,
): { chart: uPlot; dispose(): void } {
  const width = () => Math.max(240, host.clientWidth || 600);
  const chart = new uPlot(
    { tzDate: timeAxisOptions().tzDate, ...options, width: width(), height: heightPx },
    data,
    host,
  );
  const observer = new ResizeObserver(() => chart.setSize({ width: width(), height: heightPx }));
  observer.observe(host);
  return {
    chart,
    dispose() {
      observer.disconnect();
      chart.destroy();
    },
  };
}

export { uPlot };
