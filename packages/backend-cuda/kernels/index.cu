// gather and scatterAdd along one dim (torch.gather / torch.scatter_add) over dense inputs. The Geo holds
// the index's shape (dims not merged) and the strides of the other operands; an index outside the dim is
// a deferred IndexError (the flag is read at the next read or synchronize).
#include "common.cuh"

// Byte-wide atomic add through the aligned 32-bit word that holds the byte.
__device__ __forceinline__ void atomic_add_u8(unsigned char* p, unsigned char v) {
  unsigned int* word = (unsigned int*)((size_t)p & ~(size_t)3);
  const unsigned int shift = ((unsigned int)((size_t)p & 3)) * 8u;
  unsigned int old = *word, assumed;
  do {
    assumed = old;
    const unsigned int byte = ((assumed >> shift) + v) & 0xffu;
    old = atomicCAS(word, assumed, (assumed & ~(0xffu << shift)) | (byte << shift));
  } while (assumed != old);
}
__device__ __forceinline__ void atomic_add(float* p, float v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add(double* p, double v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add(int* p, int v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add(long long* p, long long v) { atomicAdd((unsigned long long*)p, (unsigned long long)v); }
__device__ __forceinline__ void atomic_add(unsigned char* p, unsigned char v) { atomic_add_u8(p, v); }

// out[i] = src[coords of i with coord[dim] = index[i]]; stride[1] holds src's strides
template <class T, class I>
__device__ void gather_impl(const Geo& g, const T* src, const I* index, T* out, int dim, long long size, int* err, int site) {
  GRID_STRIDE(i, g.n) {
    const long long k = (long long)index[i];
    if (k < 0 || k >= size) { flint_report(err, FLINT_ERR_INDEX, site, k); continue; }
    long long rest = i, off = 0;
    for (int d = g.ndim - 1; d >= 0; --d) {
      const long long q = rest / g.shape[d], c = rest - q * g.shape[d];
      off += (d == dim ? k : c) * g.stride[1][d];
      rest = q;
    }
    out[i] = src[off];
  }
}

// out (already a copy of self) [coords of i with coord[dim] = index[i]] += src[coords of i]; stride[1]: src, stride[2]: out
template <class T, class I>
__device__ void scatter_add_impl(const Geo& g, const I* index, const T* src, T* out, int dim, long long size, int* err, int site) {
  GRID_STRIDE(i, g.n) {
    const long long k = (long long)index[i];
    if (k < 0 || k >= size) { flint_report(err, FLINT_ERR_INDEX, site, k); continue; }
    long long rest = i, so = 0, oo = 0;
    for (int d = g.ndim - 1; d >= 0; --d) {
      const long long q = rest / g.shape[d], c = rest - q * g.shape[d];
      so += c * g.stride[1][d];
      oo += (d == dim ? k : c) * g.stride[2][d];
      rest = q;
    }
    atomic_add(out + oo, src[so]);
  }
}

#define INDEX_KERNELS(S, T, IS, I) \
  extern "C" __global__ void gather_##S##_##IS(Geo g, const T* src, const I* index, T* out, int dim, long long size, int* err, int site) { gather_impl<T, I>(g, src, index, out, dim, size, err, site); } \
  extern "C" __global__ void scatter_add_##S##_##IS(Geo g, const I* index, const T* src, T* out, int dim, long long size, int* err, int site) { scatter_add_impl<T, I>(g, index, src, out, dim, size, err, site); }
#define INDEX_BOTH(S, T) INDEX_KERNELS(S, T, i64, long long) INDEX_KERNELS(S, T, i32, int)

INDEX_BOTH(f32, float)
INDEX_BOTH(f64, double)
INDEX_BOTH(i32, int)
INDEX_BOTH(i64, long long)
INDEX_BOTH(u8, unsigned char)
