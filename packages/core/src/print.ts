// Printing like PyTorch: tensor([[1.0000, 2.5000], ...], dtype=int32).
import { isFloating } from './dtype.js';
import type { Tensor } from './tensor.js';

const EDGE = 3, THRESHOLD = 1000;

function formatter(values: number[], floating: boolean): (v: number) => string {
  if (!floating) return (v) => String(v);
  const finite = values.filter(Number.isFinite);
  const ints = finite.every(Number.isInteger);
  const absMax = Math.max(0, ...finite.map(Math.abs));
  const nonzero = finite.map(Math.abs).filter((v) => v > 0);
  const absMin = nonzero.length ? Math.min(...nonzero) : 0;
  const sci = finite.length > 0 && (absMax >= 1e8 || (absMin > 0 && (absMin < 1e-4 || absMax / absMin > 1000)));
  if (ints && !sci) return (v) => (Number.isFinite(v) ? `${v.toFixed(0)}.` : String(v).replace('Infinity', 'inf').replace('NaN', 'nan'));
  return (v) => {
    if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
    return sci ? v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2') : v.toFixed(4);
  };
}

export function formatTensor(t: Tensor): string {
  if (t.isDisposed) return `tensor(<disposed>, shape=[${t.shape.join(', ')}])`;
  const suffix: string[] = [];
  if (t.dtype !== 'float32' && t.dtype !== 'int64' && t.dtype !== 'bool') suffix.push(`dtype=${t.dtype}`);
  if (t.device !== 'cpu') suffix.push(`device='${t.device}'`);
  // as torch prints them: a result names what made it, a leaf that requires grad says so
  const gradFn = t.gradFn;
  if (gradFn) suffix.push(`grad_fn=<${gradFn.name}${gradFn.name.endsWith('Backward') ? '0' : ''}>`);
  else if (t.requiresGrad) suffix.push('requires_grad=True');
  if (!t.storage.backend.readSync) return `tensor(<on ${t.device}: await t.data()>, shape=[${t.shape.join(', ')}]${suffix.length ? ', ' + suffix.join(', ') : ''})`;
  const flat = Array.from(t.dataSync() as ArrayLike<number | bigint>, Number);
  const summarize = flat.length > THRESHOLD;
  const fmt = t.dtype === 'bool' ? (v: number) => (v ? 'True' : 'False') : formatter(flat, isFloating(t.dtype));
  const strs = flat.map(fmt);
  const width = Math.max(1, ...strs.map((s) => s.length));
  const indent = 'tensor('.length;
  const rec = (dim: number, base: number): string => {
    if (t.ndim === 0) return strs[0]!;
    const n = t.shape[dim]!;
    const inner = t.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    const idx = summarize && n > 2 * EDGE ? [...Array(EDGE).keys(), -1, ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)] : [...Array(n).keys()];
    if (dim === t.ndim - 1) return `[${idx.map((i) => (i < 0 ? '...' : strs[base + i]!.padStart(width))).join(', ')}]`;
    const sep = ',' + '\n'.repeat(t.ndim - 1 - dim) + ' '.repeat(indent + dim + 1);
    return `[${idx.map((i) => (i < 0 ? '...' : rec(dim + 1, base + i * inner))).join(sep)}]`;
  };
  const body = t.numel() === 0 ? '[]' : rec(0, 0);
  if (t.numel() === 0 && t.ndim > 1) suffix.unshift(`size=[${t.shape.join(', ')}]`);
  return `tensor(${body}${suffix.length ? ', ' + suffix.join(', ') : ''})`;
}
