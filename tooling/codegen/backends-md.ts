// Renders the kernel tables of packages/core/BACKENDS.md from the kernel schema (packages/core/src/schema):
// the text between each `<!-- generated:NAME -->` and `<!-- /generated:NAME -->` marker is replaced, the
// prose around it is kept. Run: pnpm codegen (CI runs pnpm codegen:check).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AttrDesc, InputSpec, KernelName, KernelSpec, OutputSpec } from '../../packages/core/src/schema/index.js';
import { API_VERSION } from '../../packages/core/src/backend.js';
import { KERNELS, OPTIONAL_KERNELS, REQUIRED_KERNELS } from '../../packages/core/src/schema/index.js';

const target = fileURLToPath(new URL('../../packages/core/BACKENDS.md', import.meta.url));

const FAMILY_TITLES: Record<string, string> = {
  creation: 'Creation and data movement', unary: 'Unary', binary: 'Binary and where', compare: 'Comparisons', reduce: 'Reductions',
  indexing: 'Indexing', linalg: 'Linear algebra', activation: 'Activations', scalar: 'Scalar operands', softmax: 'Softmax and cross-entropy',
  conv: 'Convolution', pool: 'Pooling', norm: 'Normalization', rnn: 'Recurrent cells', optim: 'Optimizer steps', attention: 'Attention',
  activationGrad: 'Activation gradients',
};

const code = (s: string): string => `\`${s}\``;
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function attrType(d: AttrDesc): string {
  const base = d.kind === 'pair' ? '[int, int]' : d.kind === 'key' ? '[uint32, uint32]' : d.kind === 'ints' ? 'int[]'
    : d.kind === 'enum' ? d.values!.map((v) => `'${v}'`).join(' | ') : d.kind;
  return d.nullable ? `${base} | null` : base;
}

/** `name` dtype, shape — a shape that names an input reads "like x". */
const tensorText = (t: InputSpec | OutputSpec, io: 'in' | 'out', k: KernelSpec): string => {
  const marks = io === 'in' ? `${(t as InputSpec).optional ? '?' : ''}${(t as InputSpec).inPlace ? ' ✎' : ''}` : '';
  const shape = !t.shape || t.shape === 'any' ? '' : k.inputs.some((i) => i.name === t.shape) ? `, like ${t.shape}` : `, ${cell(t.shape)}`;
  return `${code(t.name + marks)} ${t.dtype}${shape}`;
};

function row(name: KernelName, k: KernelSpec): string {
  const ins = k.inputs.length ? k.inputs.map((t) => tensorText(t, 'in', k)).join(', ') : '—';
  const outs = k.outputs.length ? k.outputs.map((t) => tensorText(t, 'out', k)).join(', ') : '— (in place)';
  const attrs = Object.entries(k.attrs).map(([a, d]) => `${cell(code(`${a}${d.optional ? '?' : ''}: ${attrType(d)}`))} ${cell(d.doc)}`).join('<br>') || '—';
  const layout = name === 'copy' ? 'strided in and out' : k.strided ? 'strided' : 'dense';
  const note = k.composite ? `${cell(k.doc)}<br>*Without it:* ${cell(k.composite)}` : cell(k.doc);
  return `| ${code(name)} | ${ins} → ${outs} | ${attrs} | ${layout} | ${note} |`;
}

function table(names: readonly KernelName[]): string {
  const out: string[] = [];
  const families = [...new Set(names.map((n) => KERNELS[n].family))];
  for (const f of families) {
    out.push(`#### ${FAMILY_TITLES[f] ?? f}`, '', '| kernel | inputs → outputs | attrs | inputs arrive | what it computes |', '| --- | --- | --- | --- | --- |');
    for (const n of names) if (KERNELS[n].family === f) out.push(row(n, KERNELS[n]));
    out.push('');
  }
  return out.join('\n').trimEnd();
}

const SECTIONS: Record<string, () => string> = {
  version: () => `Contract ${code(`apiVersion: { major: ${API_VERSION.major}, minor: ${API_VERSION.minor} }`)}: ${REQUIRED_KERNELS.length} required kernels and ${OPTIONAL_KERNELS.length} optional ones.`,
  required: () => table(REQUIRED_KERNELS),
  optional: () => table(OPTIONAL_KERNELS),
};

function render(): string {
  let text = readFileSync(target, 'utf8');
  for (const [name, make] of Object.entries(SECTIONS)) {
    const open = `<!-- generated:${name} -->`, close = `<!-- /generated:${name} -->`;
    const a = text.indexOf(open), b = text.indexOf(close);
    if (a < 0 || b < a) throw new Error(`${target}: missing the ${open} ... ${close} markers`);
    text = `${text.slice(0, a + open.length)}\n${make()}\n${text.slice(b)}`;
  }
  return text;
}

export const backendsMd = { target, render };
