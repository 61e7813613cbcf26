// Open MPI bound at run time through koffi: finds libmpi, declares the functions we call, and reads the
// predefined handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ...), which Open MPI exports as data symbols.
import { createRequire } from 'node:module';
import { DistributedError } from '../errors.js';

/** The koffi module's surface we use (typed loosely: koffi's own declarations use `any`). */
export interface Koffi {
  load(path: string, opts?: { global?: boolean }): KoffiLib;
  alloc(type: string, count: number): bigint;
  free(ptr: bigint): void;
  view(ptr: bigint, bytes: number): ArrayBuffer;
  out(type: string): unknown;
  decode(ptr: bigint, type: string, len?: number): unknown;
}
/** A loaded shared library. */
export interface KoffiLib {
  func(name: string, result: string, args: unknown[]): (...args: unknown[]) => number;
  symbol(name: string): bigint;
}

/** A pointer, as koffi 3 passes them. */
export type Ptr = bigint;

/** The MPI entry points and predefined handles @flint/distributed uses. */
export interface MpiLibrary {
  path: string;
  koffi: Koffi;
  version: string;
  Init_thread(argc: null, argv: null, required: number, provided: number[]): number;
  Initialized(flag: number[]): number;
  Finalized(flag: number[]): number;
  Finalize(): number;
  Abort(comm: Ptr, code: number): number;
  Comm_rank(comm: Ptr, out: number[]): number;
  Comm_size(comm: Ptr, out: number[]): number;
  Comm_set_errhandler(comm: Ptr, handler: Ptr): number;
  Iallreduce(send: Ptr, recv: Ptr, count: number, type: Ptr, op: Ptr, comm: Ptr, req: Ptr): number;
  Ibcast(buf: Ptr, count: number, type: Ptr, root: number, comm: Ptr, req: Ptr): number;
  Iallgather(send: Ptr, scount: number, stype: Ptr, recv: Ptr, rcount: number, rtype: Ptr, comm: Ptr, req: Ptr): number;
  Ireduce_scatter_block(send: Ptr, recv: Ptr, count: number, type: Ptr, op: Ptr, comm: Ptr, req: Ptr): number;
  Isend(buf: Ptr, count: number, type: Ptr, dest: number, tag: number, comm: Ptr, req: Ptr): number;
  Irecv(buf: Ptr, count: number, type: Ptr, src: number, tag: number, comm: Ptr, req: Ptr): number;
  Ibarrier(comm: Ptr, req: Ptr): number;
  Bcast(buf: Ptr, count: number, type: Ptr, root: number, comm: Ptr): number;
  Test(req: Ptr, flag: Ptr, status: Ptr | null): number;
  Error_string(code: number, buf: Buffer, len: number[]): number;
  handles: {
    commWorld: Ptr; inPlace: Ptr; errorsReturn: Ptr;
    float: Ptr; double: Ptr; int32: Ptr; int64: Ptr; uint8: Ptr; byte: Ptr;
    sum: Ptr; max: Ptr; min: Ptr; prod: Ptr;
  };
}

export const INSTALL_HINT = "install Open MPI (Debian/Ubuntu: 'apt-get install openmpi-bin libopenmpi-dev'; macOS: 'brew install open-mpi'), or point FLINT_MPI_LIB at libmpi";

/** Where libmpi usually is: the loader's search path first, then Debian's and Homebrew's folders. */
export function candidatePaths(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.FLINT_MPI_LIB) return [env.FLINT_MPI_LIB];
  const multiarch = process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';
  return process.platform === 'darwin'
    ? ['libmpi.40.dylib', 'libmpi.dylib', '/opt/homebrew/lib/libmpi.dylib', '/usr/local/lib/libmpi.dylib']
    : ['libmpi.so.40', 'libmpi.so', `/usr/lib/${multiarch}/libmpi.so.40`, `/usr/lib/${multiarch}/openmpi/lib/libmpi.so`, '/usr/lib64/openmpi/lib/libmpi.so.40', '/opt/openmpi/lib/libmpi.so.40'];
}

let cached: MpiLibrary | undefined;

/** Loads libmpi once per process; a DistributedError says what to install when it can't. */
export function loadMpi(): MpiLibrary {
  if (cached) return cached;
  const koffi = loadKoffi();
  const tried: string[] = [];
  let lib: KoffiLib | undefined, path = '';
  for (const p of candidatePaths()) {
    try {
      // global: Open MPI's plugins (mca_*.so) resolve libmpi's symbols from the global namespace
      lib = koffi.load(p, { global: true });
      path = p;
      break;
    } catch (e) {
      tried.push(`${p} (${(e as Error).message.split('\n')[0]})`);
    }
  }
  if (!lib) throw new DistributedError(`initProcessGroup: MPI library not found; tried ${tried.join(', ')}. ${INSTALL_HINT}`);
  const sym = (name: string): Ptr => {
    try { return lib.symbol(name); } catch {
      throw new DistributedError(`initProcessGroup: ${path} has no symbol '${name}': only Open MPI (4.x or 5.x) is supported, which exports its predefined handles (MPICH uses integer handles); ${INSTALL_HINT}`);
    }
  };
  const P = 'void *';
  const f = (name: string, args: unknown[]): ((...a: unknown[]) => number) => lib.func(name, 'int', args);
  const handles = {
    commWorld: sym('ompi_mpi_comm_world'), inPlace: 1n, errorsReturn: sym('ompi_mpi_errors_return'),
    float: sym('ompi_mpi_float'), double: sym('ompi_mpi_double'), int32: sym('ompi_mpi_int32_t'), int64: sym('ompi_mpi_int64_t'),
    uint8: sym('ompi_mpi_uint8_t'), byte: sym('ompi_mpi_byte'),
    sum: sym('ompi_mpi_op_sum'), max: sym('ompi_mpi_op_max'), min: sym('ompi_mpi_op_min'), prod: sym('ompi_mpi_op_prod'),
  };
  const versionFn = f('MPI_Get_library_version', ['char *', koffi.out('int *')]);
  const vbuf = Buffer.alloc(8192), vlen = [0];
  versionFn(vbuf, vlen);
  cached = {
    path, koffi, handles, version: vbuf.subarray(0, vlen[0]).toString('utf8').split('\n')[0]!.replace(/\0.*$/, '').trim(),
    Init_thread: f('MPI_Init_thread', [P, P, 'int', koffi.out('int *')]),
    Initialized: f('MPI_Initialized', [koffi.out('int *')]),
    Finalized: f('MPI_Finalized', [koffi.out('int *')]),
    Finalize: f('MPI_Finalize', []),
    Abort: f('MPI_Abort', [P, 'int']),
    Comm_rank: f('MPI_Comm_rank', [P, koffi.out('int *')]),
    Comm_size: f('MPI_Comm_size', [P, koffi.out('int *')]),
    Comm_set_errhandler: f('MPI_Comm_set_errhandler', [P, P]),
    Iallreduce: f('MPI_Iallreduce', [P, P, 'int', P, P, P, P]),
    Ibcast: f('MPI_Ibcast', [P, 'int', P, 'int', P, P]),
    Iallgather: f('MPI_Iallgather', [P, 'int', P, P, 'int', P, P, P]),
    Ireduce_scatter_block: f('MPI_Ireduce_scatter_block', [P, P, 'int', P, P, P, P]),
    Isend: f('MPI_Isend', [P, 'int', P, 'int', 'int', P, P]),
    Irecv: f('MPI_Irecv', [P, 'int', P, 'int', 'int', P, P]),
    Ibarrier: f('MPI_Ibarrier', [P, P]),
    Bcast: f('MPI_Bcast', [P, 'int', P, 'int', P]),
    Test: f('MPI_Test', [P, P, P]),
    Error_string: f('MPI_Error_string', ['int', 'char *', koffi.out('int *')]),
  } as unknown as MpiLibrary;
  return cached;
}

/** MPI's text for an error code. */
export function mpiErrorString(mpi: MpiLibrary, code: number): string {
  const buf = Buffer.alloc(512), len = [0];
  mpi.Error_string(code, buf, len);
  return buf.subarray(0, len[0]).toString('utf8');
}

/** koffi, required lazily so that importing @flint/distributed costs nothing until a group starts. */
export function loadKoffi(): Koffi {
  try {
    return createRequire(import.meta.url)('koffi') as Koffi;
  } catch (e) {
    throw new DistributedError(`initProcessGroup: the 'koffi' package (the FFI that binds MPI and NCCL) could not be loaded: ${(e as Error).message}; reinstall @flint/distributed's dependencies`);
  }
}
