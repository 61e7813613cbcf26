// gather and scatterAdd along one dim (inputs dense). An index out of range is flagged on the device and
// reported as an IndexError at the next read; scatterAdd adds with atomics (compare-and-swap for floats).
import type { KernelTable } from '@flint/core';
import { IndexError } from '@flint/core';
import type { Gpu } from '../runtime/gpu.js';
import type { WgBuffer } from '../runtime/pool.js';
import type { T } from './common.js';
import { ENTRY, FLAT, Params, describe, grid, numel, typeOf } from './common.js';
import { pack8, rowMajor } from './strided.js';

const HEAD = /* wgsl */ `
struct P { n: u32, rank: u32, dim: u32, size: u32, code: u32, pad0: u32, pad1: u32, pad2: u32,
  ishape: array<vec4u, 2>, tstrides: array<vec4u, 2>, sstrides: array<vec4u, 2> }
@group(0) @binding(0) var<uniform> p: P;
fn at8(v: array<vec4u, 2>, d: u32) -> u32 { return v[d / 4u][d % 4u]; }
fn fault(v: i32) { let old = atomicMax(&faults[0], p.code); if (old < p.code) { atomicStore(&faults[1], bitcast<u32>(v)); } }
// the target offset (index value at dim) and the source offset of index element i; ok = false when out of range
fn locate(i: u32, idx: i32) -> vec3u {
  var rem = i; var t = 0u; var s = 0u;
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let n = at8(p.ishape, u32(d)); let c = rem % n; rem = rem / n;
    let tc = select(c, u32(idx), u32(d) == p.dim);
    t += tc * at8(p.tstrides, u32(d)); s += c * at8(p.sstrides, u32(d));
  }
  return vec3u(t, s, select(0u, 1u, idx >= 0 && u32(idx) < p.size));
}`;

function params(gpu: Gpu, op: string, index: T, target: T, other: T, dim: number): Uint32Array {
  const n = numel(index.shape);
  const code = gpu.fault((v) => new IndexError(`${op}: index ${v | 0} is out of range for dim ${dim} of size ${target.shape[dim]} (input ${target.dtype}[${target.shape.join(', ')}], index [${index.shape.join(', ')}])`));
  return new Params().u32(n, index.shape.length, dim, target.shape[dim] ?? 1, code, 0, 0, 0,
    ...pack8(index.shape, op), ...pack8(rowMajor(target.shape), op), ...pack8(rowMajor(other.shape), op)).done();
}

/** gather and scatterAdd. */
export function indexingKernels(gpu: Gpu): KernelTable<WgBuffer> {
  return {
    gather: ([src, index], [out], { dim }) => {
      const n = numel(index!.shape);
      if (n === 0) return;
      const wgsl = (): string => `${HEAD}
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read> index: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<u32>;
@group(0) @binding(4) var<storage, read_write> faults: array<atomic<u32>>;
${ENTRY()} {
  ${FLAT()}
  if (i >= p.n) { return; }
  let idx = index[i];
  let l = locate(i, idx);
  if (l.z == 0u) { fault(idx); out[i] = 0u; return; }
  out[i] = src[l.x];
}`;
      gpu.run({ kernel: 'gather', key: 'gather', wgsl, params: params(gpu, 'gather', index!, src!, index!, dim), groups: grid(n, gpu), bindings: [{ buf: src!.buffer }, { buf: index!.buffer }, { buf: out!.buffer }, { buf: gpu.faultBuf }], describe: describe([src!, index!], [out!]) });
    },
    scatterAdd: ([self, index, src], [out], { dim }) => {
      const total = numel(self!.shape), n = numel(index!.shape);
      if (total > 0) gpu.copy(self!.buffer, 0, out!.buffer, 0, total * 4);
      if (n === 0) return;
      const t = typeOf(self!.dtype);
      const add = t === 'i32' ? 'atomicAdd(&out[l.x], src[l.y]);'
        : `loop { let old = atomicLoad(&out[l.x]); let nv = ${t === 'f32' ? 'bitcast<u32>(bitcast<f32>(old) + bitcast<f32>(src[l.y]))' : '(old + src[l.y]) & 255u'};
    if (atomicCompareExchangeWeak(&out[l.x], old, nv).exchanged) { break; } }`;
      const wgsl = (): string => `${HEAD}
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read> index: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<atomic<u32>>;
@group(0) @binding(4) var<storage, read_write> faults: array<atomic<u32>>;
${ENTRY()} {
  ${FLAT()}
  if (i >= p.n) { return; }
  let idx = index[i];
  let l = locate(i, idx);
  if (l.z == 0u) { fault(idx); return; }
  ${add}
}`;
      gpu.run({ kernel: 'scatterAdd', key: `scatterAdd:${t}`, wgsl, params: params(gpu, 'scatterAdd', index!, self!, src!, dim), groups: grid(n, gpu), bindings: [{ buf: src!.buffer }, { buf: index!.buffer }, { buf: out!.buffer }, { buf: gpu.faultBuf }], describe: describe([self!, index!, src!], [out!]) });
    },
  };
}
