// A Driver that runs the package's real CUDA C kernels on the CPU: kernels/*.cu compiled with the host C++
// compiler through cuda-host.h (one thread per launch), called through koffi with the arguments decoded from
// the ArgPack the TypeScript wrappers packed, at the offsets the C signature implies (a wrapper whose argument
// kinds disagree with its kernel's signature fails here). Device memory is koffi-allocated host memory.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OutOfMemoryError } from '@flint/core';
import { getKoffi } from '../ffi/koffi.js';
import { POOL_GEO } from '../kernels/pool.js';
import { GEO, argLayout, type AddressOf, type ArgKind } from '../runtime/args.js';
import type { DevicePtr, Driver, Handle, PinnedBuffer } from '../runtime/driver.js';

const pkg = fileURLToPath(new URL('../../', import.meta.url));
const CXX = process.env.CXX ?? 'g++';
const FLAGS = ['-O0', '-std=c++17', '-x', 'c++', '-include', join(pkg, 'src', 'testing', 'cuda-host.h')];

/** One kernel's C parameters: the koffi type and the ArgPack kind of each. */
interface Proto { readonly name: string; readonly koffi: string[]; readonly kinds: ArgKind[] }

function paramOf(decl: string): { koffi: string; kind: ArgKind } {
  const d = decl.trim();
  if (d.startsWith('Geo ')) return { koffi: 'FlintGeo', kind: GEO };
  if (d.startsWith('PoolGeo ')) return { koffi: 'FlintPoolGeo', kind: POOL_GEO };
  if (d.includes('*')) return { koffi: 'uint64_t', kind: 'ptr' };
  const type = d.replace(/\s+\w+$/, '');
  const map: Record<string, [string, ArgKind]> = {
    'long long': ['int64_t', 'i64'], 'unsigned long long': ['uint64_t', 'i64'], int: ['int', 'i32'], 'unsigned int': ['uint32_t', 'u32'],
    float: ['float', 'f32'], double: ['double', 'f64'],
  };
  const m = map[type];
  if (!m) throw new Error(`host-driver: unknown kernel parameter type '${type}' in '${d}'`);
  return { koffi: m[0], kind: m[1] };
}

/** Where the host build of kernels/<file>.cu goes: a temp folder, named by a hash of its sources. */
function hostLib(file: string): { src: string; lib: string } {
  const src = join(pkg, 'kernels', `${file}.cu`);
  const hash = createHash('sha256');
  for (const f of readdirSync(join(pkg, 'kernels')).filter((n) => n.endsWith('.cuh'))) hash.update(readFileSync(join(pkg, 'kernels', f)));
  hash.update(readFileSync(src)).update(readFileSync(join(pkg, 'src', 'testing', 'cuda-host.h')));
  const dir = join(tmpdir(), 'flint-cuda-host');
  mkdirSync(dir, { recursive: true });
  return { src, lib: join(dir, `${file}-${hash.digest('hex').slice(0, 16)}.so`) };
}

/** Builds every kernels/*.cu for the host at once (in parallel), so later loads hit the cache. */
export async function prepareHostKernels(): Promise<void> {
  const files = readdirSync(join(pkg, 'kernels')).filter((n) => n.endsWith('.cu')).map((n) => n.slice(0, -3));
  await Promise.all(files.map((f) => new Promise<void>((done, fail) => {
    const { src, lib } = hostLib(f);
    if (existsSync(lib)) return done();
    const p = spawn(CXX, [...FLAGS, '-shared', '-fPIC', '-o', `${lib}.${process.pid}`, src], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => { err += d; });
    p.on('close', (code) => (code === 0 ? (spawnSync('mv', [`${lib}.${process.pid}`, lib]), done()) : fail(new Error(`host-driver: ${CXX} failed on ${f}.cu:\n${err}`))));
  })));
}

/** Compiles kernels/<file>.cu for the host (cached by source hash) and reads its kernels' signatures. */
export function compileHostKernels(file: string): { lib: string; protos: Proto[] } {
  const { src, lib } = hostLib(file);
  if (!existsSync(lib)) {
    const r = spawnSync(CXX, [...FLAGS, '-shared', '-fPIC', '-o', `${lib}.${process.pid}`, src], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`host-driver: ${CXX} failed on ${file}.cu:\n${r.stderr}`);
    spawnSync('mv', [`${lib}.${process.pid}`, lib]);
  }
  const pre = spawnSync(CXX, [...FLAGS, '-E', '-P', src], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (pre.status !== 0) throw new Error(`host-driver: preprocessing ${file}.cu failed:\n${pre.stderr}`);
  const protos = [...pre.stdout.matchAll(/extern "C" void (\w+)\(([^)]*)\)/g)].map((m) => {
    const params = m[2]!.split(',').filter((p) => p.trim()).map(paramOf);
    return { name: m[1]!, koffi: params.map((p) => p.koffi), kinds: params.map((p) => p.kind) };
  });
  return { lib, protos };
}

let geoDeclared = false;
interface HostFn { readonly call: (...a: unknown[]) => unknown; readonly proto: Proto }

/** The host-emulation driver. */
export class HostDriver implements Driver {
  readonly #mem = new Map<bigint, { ptr: unknown; bytes: Uint8Array }>();
  readonly #host = new Map<bigint, Uint8Array>();
  #nextHost = 0x7e0000000000n;
  readonly launched: string[] = [];

  constructor() {
    if (!geoDeclared) {
      getKoffi().struct('FlintGeo', { n: 'int64_t', ndim: 'int', dense: 'int', shape: 'int64_t[8]', stride: 'int64_t[32]', offset: 'int64_t[4]' });
      getKoffi().struct('FlintPoolGeo', { v: 'int[14]' });
      geoDeclared = true;
    }
  }

  /** Fake host addresses for ArgPacks, so a launch can find and decode its values. */
  readonly addressOf: AddressOf = (view) => {
    const a = this.#nextHost;
    this.#nextHost += BigInt(view.byteLength + 64);
    this.#host.set(a, view);
    return a;
  };

  #at(p: DevicePtr, n: number): Uint8Array {
    for (const [base, m] of this.#mem) if (p >= base && p + BigInt(n) <= base + BigInt(m.bytes.byteLength)) return m.bytes.subarray(Number(p - base), Number(p - base) + n);
    throw new Error(`host-driver: [0x${p.toString(16)}, +${n}) is outside every allocation`);
  }
  memAlloc(bytes: number): DevicePtr {
    if (bytes > 1 << 30) throw new OutOfMemoryError('host-driver: CUDA_ERROR_OUT_OF_MEMORY');
    const k = getKoffi(), ptr = k.alloc('uint8_t', Math.max(bytes, 1));
    const addr = k.address(ptr) as bigint;
    this.#mem.set(addr, { ptr, bytes: new Uint8Array(k.view(ptr, Math.max(bytes, 1))) });
    return addr;
  }
  memFree(p: DevicePtr): void { const m = this.#mem.get(p)!; this.#mem.delete(p); getKoffi().free(m.ptr); }
  memGetInfo() { return { free: 1 << 30, total: 1 << 30 }; }
  memAllocHost(bytes: number): PinnedBuffer { return { ptr: { host: bytes }, bytes: new Uint8Array(bytes) }; }
  memFreeHost(): void { /* garbage-collected */ }
  memcpyHtoD(dst: DevicePtr, src: ArrayBufferView, bytes: number): void { this.#at(dst, bytes).set(new Uint8Array(src.buffer, src.byteOffset, bytes)); }
  memcpyDtoH(dst: PinnedBuffer, off: number, src: DevicePtr, bytes: number): void { dst.bytes.set(this.#at(src, bytes), off); }
  memcpyDtoD(dst: DevicePtr, src: DevicePtr, bytes: number): void { this.#at(dst, bytes).set(this.#at(src, bytes).slice()); }
  memsetD8(dst: DevicePtr, v: number, bytes: number): void { this.#at(dst, bytes).fill(v); }
  #streams = 0x5000n;
  /** Streams are fake addresses, so they pass through koffi to the fake cuBLAS like real CUstreams. */
  streamCreate(): Handle { return (this.#streams += 16n); }
  streamDestroy(): void {}
  streamSynchronize(): void {}
  streamWaitEvent(): void {}
  eventCreate(): Handle { return {}; }
  eventRecord(): void {}
  eventQuery(): boolean { return true; }
  eventSynchronize(): void {}
  eventElapsed(): number { return 0; }
  eventDestroy(): void {}
  moduleLoad(file: string): Handle {
    const { lib, protos } = compileHostKernels(file);
    return { lib: getKoffi().load(lib), protos: new Map(protos.map((p) => [p.name, p])) };
  }
  moduleFunction(m: Handle, name: string): Handle {
    const mod = m as { lib: { func: (d: string) => (...a: unknown[]) => unknown }; protos: Map<string, Proto> };
    const proto = mod.protos.get(name);
    if (!proto) throw new Error(`host-driver: no kernel ${name}`);
    return { call: mod.lib.func(`void ${name}(${proto.koffi.map((t, i) => `${t} a${i}`).join(', ')})`), proto } satisfies HostFn;
  }
  launch(f: Handle, _g: readonly number[], _b: readonly number[], _s: number, _st: Handle, params: BigUint64Array): void {
    const { call, proto } = f as HostFn;
    const { offsets } = argLayout(proto.kinds);
    if (params.length !== proto.kinds.length) throw new Error(`${proto.name}: launched with ${params.length} arguments, the kernel takes ${proto.kinds.length}`);
    const base = params[0] ?? 0n, values = this.#host.get(base);
    if (params.length && !values) throw new Error(`${proto.name}: argument buffer not found`);
    offsets.forEach((o, i) => { if (params[i] !== base + BigInt(o)) throw new Error(`${proto.name}: argument ${i} packed at +${params[i]! - base}, the signature puts it at +${o}`); });
    const v = values ? new DataView(values.buffer, values.byteOffset, values.byteLength) : new DataView(new ArrayBuffer(8));
    const args = proto.kinds.map((k, i) => {
      const o = offsets[i]!;
      if (typeof k !== 'string' && k.bytes === POOL_GEO.bytes) return { v: Array.from({ length: 14 }, (_, j) => v.getInt32(o + 4 * j, true)) };
      if (typeof k !== 'string') {
        const i64 = (at: number) => Number(v.getBigInt64(at, true));
        return { n: i64(o), ndim: v.getInt32(o + 8, true), dense: v.getInt32(o + 12, true), shape: Array.from({ length: 8 }, (_, j) => i64(o + 16 + 8 * j)),
          stride: Array.from({ length: 32 }, (_, j) => i64(o + 80 + 8 * j)), offset: Array.from({ length: 4 }, (_, j) => i64(o + 336 + 8 * j)) };
      }
      switch (k) {
        case 'ptr': return v.getBigUint64(o, true);
        case 'i64': return v.getBigInt64(o, true);
        case 'i32': return v.getInt32(o, true);
        case 'u32': return v.getUint32(o, true);
        case 'f32': return v.getFloat32(o, true);
        case 'f64': return v.getFloat64(o, true);
      }
    });
    this.launched.push(proto.name);
    call(...args);
  }
  beginCapture(): void { throw new Error('host-driver: no graph capture'); }
  endCapture(): Handle { return {}; }
  graphInstantiate(): Handle { return {}; }
  graphLaunch(): void {}
  graphDestroy(): void {}
  synchronize(): void {}
  /** The bytes at a device address (for a host GEMM in tests). */
  view(p: DevicePtr, n: number): Uint8Array { return this.#at(p, n); }
}
