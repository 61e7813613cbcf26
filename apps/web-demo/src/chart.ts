// A live chart drawn as plain SVG: training loss (per step, and smoothed) on the left axis, batch accuracy
// (smoothed) and test accuracy on the right axis (0-100%), against steps.

const NS = 'http://www.w3.org/2000/svg';
const W = 620, H = 280, M = { left: 46, right: 46, top: 14, bottom: 34 };

/** The points the chart shows; x is the step. */
export interface ChartData {
  totalSteps: number;
  loss: [number, number][];
  lossSmooth: [number, number][];
  batchAccuracy: [number, number][];
  testAccuracy: [number, number][];
}

const el = <K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] => {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
};

/** Exponential moving average of a series (for the noisy per-step values). */
export function smooth(points: readonly [number, number][], alpha = 0.1): [number, number][] {
  let m: number | undefined;
  return points.map(([x, y]) => [x, (m = m === undefined ? y : m + alpha * (y - m))]);
}

/** Redraws `svg` from scratch with `d` (cheap at a few thousand points). */
export function drawChart(svg: SVGSVGElement, d: ChartData): void {
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.replaceChildren();
  const pw = W - M.left - M.right, ph = H - M.top - M.bottom;
  const maxLoss = Math.max(2.5, ...d.loss.slice(0, 5).map((p) => p[1]));
  const sx = (s: number) => M.left + (pw * s) / Math.max(1, d.totalSteps);
  const sl = (l: number) => M.top + ph * (1 - Math.min(l, maxLoss) / maxLoss);
  const sa = (a: number) => M.top + ph * (1 - a);
  const line = (pts: [number, number][], y: (v: number) => number, attrs: Record<string, string | number>) =>
    el('polyline', { fill: 'none', points: pts.map(([x, v]) => `${sx(x).toFixed(1)},${y(v).toFixed(1)}`).join(' '), ...attrs });

  for (let i = 0; i <= 5; i++) {
    const a = i / 5, y = sa(a);
    svg.append(el('line', { x1: M.left, x2: W - M.right, y1: y, y2: y, stroke: '#8884', 'stroke-width': 1 }));
    svg.append(el('text', { x: M.left - 6, y: y + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#d33' }, (maxLoss * a).toFixed(1)));
    svg.append(el('text', { x: W - M.right + 6, y: y + 4, 'font-size': 11, fill: '#1565c0' }, `${Math.round(100 * a)}%`));
  }
  for (let i = 0; i <= 5; i++) {
    const s = Math.round((d.totalSteps * i) / 5);
    svg.append(el('text', { x: sx(s), y: H - M.bottom + 16, 'text-anchor': 'middle', 'font-size': 11, fill: 'currentColor' }, String(s)));
  }
  svg.append(el('text', { x: M.left + pw / 2, y: H - 4, 'text-anchor': 'middle', 'font-size': 11, fill: 'currentColor' }, 'step'));
  svg.append(el('rect', { x: M.left, y: M.top, width: pw, height: ph, fill: 'none', stroke: '#888' }));
  svg.append(line(d.loss, sl, { stroke: '#d333', 'stroke-width': 1 }));
  svg.append(line(d.lossSmooth, sl, { stroke: '#d33', 'stroke-width': 2 }));
  svg.append(line(d.batchAccuracy, sa, { stroke: '#1565c0', 'stroke-width': 1.5, 'stroke-dasharray': '4 3' }));
  svg.append(line(d.testAccuracy, sa, { stroke: '#1565c0', 'stroke-width': 2 }));
  for (const [s, a] of d.testAccuracy) svg.append(el('circle', { cx: sx(s), cy: sa(a), r: 3.5, fill: '#1565c0' }));

  const legend: [string, string, string][] = [['#d33', '', 'training loss'], ['#1565c0', '4 3', 'batch accuracy'], ['#1565c0', '', 'test accuracy']];
  legend.forEach(([color, dash, label], i) => {
    const x = M.left + 10 + i * 150, y = M.top + 14;
    svg.append(el('line', { x1: x, x2: x + 22, y1: y - 4, y2: y - 4, stroke: color, 'stroke-width': 2, 'stroke-dasharray': dash || 'none' }));
    svg.append(el('text', { x: x + 28, y, 'font-size': 12, fill: 'currentColor' }, label));
  });
}
