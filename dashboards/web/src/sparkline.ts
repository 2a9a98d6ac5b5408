// A sparkline of recent ratios on a small canvas, with the threshold (ratio 1)
// as a dashed line. Canvas, not a chart library: hundreds of rows redraw cheaply,
// as long as nothing reads layout (clientWidth) between the draws.

/** The CSS size of a sparkline; known from the type mode, so drawing never forces a layout. */
export function sparklineSize(): { width: number; height: number } {
  return document.documentElement.classList.contains('large-type')
    ? { width: 200, height: 40 }
    : { width: 120, height: 24 };
}

export function drawSparkline(
  canvas: HTMLCanvasElement,
  ratios: readonly number[],
  { width, height }: { width: number; height: number },
): void {
  const dpr = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(width * dpr)) canvas.width = Math.round(width * dpr);
  if (canvas.height !== Math.round(height * dpr)) canvas.height = Math.round(height * dpr);
  const ctx = canvas.getContext('2d');
  if (ctx === null) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  if (ratios.length === 0) return;
  const max = Math.max(1.5, ...ratios);
  const y = (r: number) => height - 2 - (Math.max(0, r) / max) * (height - 4);
  ctx.strokeStyle = 'rgba(255,255,255,0.35)';
  ctx.setLineDash([3, 3]);
  ctx.beginPath();
  ctx.moveTo(0, y(1));
  ctx.lineTo(width, y(1));
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.strokeStyle = ratios[ratios.length - 1] >= 1 ? '#ff6b6b' : '#4fc3f7';
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  const step = ratios.length > 1 ? width / (ratios.length - 1) : 0;
  ratios.forEach((r, i) => {
    if (i === 0) ctx.moveTo(0, y(r));
    else ctx.lineTo(i * step, y(r));
  });
  ctx.stroke();
}
