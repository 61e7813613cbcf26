// A tiled GEMM template shared by matmul and the convolutions (implicit GEMM: the im2col matrix is never
// built, its elements are computed where the tile is loaded): 64×64 output tiles per workgroup, 4×4 per
// invocation, K in steps of 16 through workgroup memory; z indexes batches (matmul) or groups (conv).

/** The WGSL pieces that make a GEMM: operand loaders, the store, and their bindings and params. */
export interface GemmParts {
  /** The scalar type. */
  t: string;
  /** Extra params fields after M, N, K, z0 (WGSL struct members, 4-byte scalars or vec4u, in order). */
  fields: string;
  /** Bindings from 1 (WGSL declarations). */
  bindings: string;
  /** Helper functions; may use `batch` via their arguments only. */
  helpers?: string;
  /** WGSL expression for A[m][k] (u32 m, k, z); must be 0 outside the matrix. */
  loadA: string;
  /** WGSL expression for B[k][n]. */
  loadB: string;
  /** WGSL statements storing `v` at (m, n, z). */
  store: string;
}

/** The GEMM's WGSL. Params begin with M, N, K, z0. */
export function gemmWgsl(g: GemmParts): string {
  const zero = `${g.t}(0)`;
  return `
struct P { M: u32, N: u32, K: u32, z0: u32, ${g.fields} }
@group(0) @binding(0) var<uniform> p: P;
${g.bindings}
${g.helpers ?? ''}
fn loadA(m: u32, k: u32, z: u32) -> ${g.t} { return ${g.loadA}; }
fn loadB(k: u32, n: u32, z: u32) -> ${g.t} { return ${g.loadB}; }
var<workgroup> As: array<array<${g.t}, 64>, 16>;
var<workgroup> Bs: array<array<${g.t}, 64>, 16>;
@compute @workgroup_size(16, 16) fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let z = wid.z + p.z0;
  let row0 = wid.y * 64u; let col0 = wid.x * 64u; let tid = lid.y * 16u + lid.x;
  var acc: array<array<${g.t}, 4>, 4>;
  for (var i = 0u; i < 4u; i++) { for (var j = 0u; j < 4u; j++) { acc[i][j] = ${zero}; } }
  for (var k0 = 0u; k0 < p.K; k0 += 16u) {
    for (var r = 0u; r < 4u; r++) {
      let e = tid + r * 256u;
      let am = e / 16u; let ak = e % 16u; let gm = row0 + am; let gk = k0 + ak;
      var av = ${zero};
      if (gm < p.M && gk < p.K) { av = loadA(gm, gk, z); }
      As[ak][am] = av;
      let bk = e / 64u; let bn = e % 64u; let hk = k0 + bk; let gn = col0 + bn;
      var bv = ${zero};
      if (hk < p.K && gn < p.N) { bv = loadB(hk, gn, z); }
      Bs[bk][bn] = bv;
    }
    workgroupBarrier();
    for (var k = 0u; k < 16u; k++) {
      var a: array<${g.t}, 4>; var b: array<${g.t}, 4>;
      for (var i = 0u; i < 4u; i++) { a[i] = As[k][lid.y * 4u + i]; b[i] = Bs[k][lid.x * 4u + i]; }
      for (var i = 0u; i < 4u; i++) { for (var j = 0u; j < 4u; j++) { acc[i][j] = acc[i][j] + a[i] * b[j]; } }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let m = row0 + lid.y * 4u + i;
    if (m >= p.M) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let n = col0 + lid.x * 4u + j;
      if (n < p.N) { let v = acc[i][j]; ${g.store} }
    }
  }
}`;
}

/** Workgroups of a GEMM of M×N over `z` batches (z in chunks the caller loops over). */
export const gemmGroups = (M: number, N: number, z: number): [number, number, number] => [Math.ceil(N / 64), Math.ceil(M / 64), z];
