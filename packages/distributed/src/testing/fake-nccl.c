/* A stand-in for libnccl.so.2 and libcudart.so with the same C signatures, for nccl.test.ts on machines
 * without a GPU: it checks the koffi bindings (the unique id passed by value, size_t counts, out-pointers)
 * and the MPI bootstrap. Host memory plays device memory; a collective acts as if every rank held this
 * rank's data (allReduce sum = data x nranks); an event reports "not ready" once before it completes. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct { char internal[128]; } ncclUniqueId;
typedef struct { int nranks, rank; unsigned sum; } Comm;

int ncclGetUniqueId(ncclUniqueId *id) {
  unsigned seed = (unsigned)getpid() * 2654435761u;
  for (int i = 0; i < 128; i++) { seed = seed * 1103515245u + 12345u; id->internal[i] = (char)(seed >> 16); }
  return 0;
}
int ncclCommInitRank(Comm **comm, int nranks, ncclUniqueId id, int rank) {
  Comm *c = malloc(sizeof *c);
  c->nranks = nranks; c->rank = rank; c->sum = 0;
  for (int i = 0; i < 128; i++) c->sum = c->sum * 31u + (unsigned char)id.internal[i];
  *comm = c;
  return 0;
}
int fakeNcclCommInfo(Comm *c, int *out) { out[0] = c->nranks; out[1] = c->rank; out[2] = (int)c->sum; return 0; }
int ncclCommDestroy(Comm *c) { free(c); return 0; }
int ncclCommAbort(Comm *c) { (void)c; return 0; }
const char *ncclGetErrorString(int code) { return code ? "fake error" : "no error"; }

static size_t size_of(int type) { return type == 8 || type == 4 ? 8 : type == 7 || type == 2 ? 4 : type == 6 || type == 9 ? 2 : 1; }
int ncclAllReduce(const void *send, void *recv, size_t count, int type, int op, Comm *c, void *stream) {
  (void)stream;
  if (type != 7 || (op != 0 && op != 4)) return 5; /* the fake computes float32 sum and avg only */
  const float *s = send; float *r = recv;
  for (size_t i = 0; i < count; i++) r[i] = op == 0 ? s[i] * (float)c->nranks : s[i];
  return 0;
}
int ncclBroadcast(const void *send, void *recv, size_t count, int type, int root, Comm *c, void *stream) {
  (void)root; (void)c; (void)stream;
  if (send != recv) memmove(recv, send, count * size_of(type));
  return 0;
}
int ncclAllGather(const void *send, void *recv, size_t count, int type, Comm *c, void *stream) {
  (void)stream;
  for (int r = 0; r < c->nranks; r++) memmove((char *)recv + r * count * size_of(type), send, count * size_of(type));
  return 0;
}
int ncclReduceScatter(const void *send, void *recv, size_t count, int type, int op, Comm *c, void *stream) {
  (void)type; (void)op; (void)stream;
  const float *s = (const float *)send + c->rank * count; float *r = recv;
  for (size_t i = 0; i < count; i++) r[i] = s[i] * (float)c->nranks;
  return 0;
}
int ncclSend(const void *buf, size_t count, int type, int peer, Comm *c, void *stream) { (void)buf; (void)count; (void)type; (void)peer; (void)c; (void)stream; return 0; }
int ncclRecv(void *buf, size_t count, int type, int peer, Comm *c, void *stream) { (void)buf; (void)count; (void)type; (void)peer; (void)c; (void)stream; return 0; }

/* the CUDA runtime part */
int fakeDevice = -1;
int cudaSetDevice(int d) { fakeDevice = d; return 0; }
int cudaStreamCreate(void **s) { *s = (void *)0x5eed; return 0; }
int cudaEventCreate(int **e) { *e = calloc(1, sizeof(int)); return 0; }
int cudaEventRecord(int *e, void *s) { (void)s; *e = 0; return 0; }
int cudaEventQuery(int *e) { return (*e)++ == 0 ? 600 /* cudaErrorNotReady */ : 0; }
int cudaEventDestroy(int *e) { free(e); return 0; }
int fakeCudaDevice(void) { return fakeDevice; }
