// cuDNN 9 through koffi: the legacy convolution and batch-norm API, and the RNN API for whole-sequence GRU
// and LSTM. Descriptors are made per call shape and cached by the kernels that use them (kernels/dnn-*.ts).
import { check } from '../errors.js';
import type { Handle } from '../runtime/driver.js';
import { bind, getKoffi, outParam, type Bound } from './koffi.js';

/** The cuDNN functions the backend binds. */
export const CUDNN_DECLS = {
  getVersion: 'size_t cudnnGetVersion()',
  create: 'int cudnnCreate(_Out_ void **handle)',
  destroy: 'int cudnnDestroy(void *handle)',
  setStream: 'int cudnnSetStream(void *handle, void *stream)',
  createTensor: 'int cudnnCreateTensorDescriptor(_Out_ void **desc)',
  setTensorNd: 'int cudnnSetTensorNdDescriptor(void *desc, int dataType, int nbDims, const int *dims, const int *strides)',
  destroyTensor: 'int cudnnDestroyTensorDescriptor(void *desc)',
  createFilter: 'int cudnnCreateFilterDescriptor(_Out_ void **desc)',
  setFilter4d: 'int cudnnSetFilter4dDescriptor(void *desc, int dataType, int format, int k, int c, int h, int w)',
  setFilterNd: 'int cudnnSetFilterNdDescriptor(void *desc, int dataType, int format, int nbDims, const int *dims)',
  destroyFilter: 'int cudnnDestroyFilterDescriptor(void *desc)',
  createConv: 'int cudnnCreateConvolutionDescriptor(_Out_ void **desc)',
  setConv2d: 'int cudnnSetConvolution2dDescriptor(void *desc, int padH, int padW, int u, int v, int dilH, int dilW, int mode, int computeType)',
  setConvGroups: 'int cudnnSetConvolutionGroupCount(void *desc, int groups)',
  setConvMath: 'int cudnnSetConvolutionMathType(void *desc, int mathType)',
  destroyConv: 'int cudnnDestroyConvolutionDescriptor(void *desc)',
  findFwd: 'int cudnnFindConvolutionForwardAlgorithm(void *h, void *x, void *w, void *conv, void *y, int requested, _Out_ int *returned, void *perf)',
  findBwdData: 'int cudnnFindConvolutionBackwardDataAlgorithm(void *h, void *w, void *dy, void *conv, void *dx, int requested, _Out_ int *returned, void *perf)',
  findBwdFilter: 'int cudnnFindConvolutionBackwardFilterAlgorithm(void *h, void *x, void *dy, void *conv, void *dw, int requested, _Out_ int *returned, void *perf)',
  convFwd: 'int cudnnConvolutionForward(void *h, const void *alpha, void *xDesc, uint64_t x, void *wDesc, uint64_t w, void *conv, int algo, uint64_t ws, size_t wsBytes, const void *beta, void *yDesc, uint64_t y)',
  convBwdData: 'int cudnnConvolutionBackwardData(void *h, const void *alpha, void *wDesc, uint64_t w, void *dyDesc, uint64_t dy, void *conv, int algo, uint64_t ws, size_t wsBytes, const void *beta, void *dxDesc, uint64_t dx)',
  convBwdFilter: 'int cudnnConvolutionBackwardFilter(void *h, const void *alpha, void *xDesc, uint64_t x, void *dyDesc, uint64_t dy, void *conv, int algo, uint64_t ws, size_t wsBytes, const void *beta, void *dwDesc, uint64_t dw)',
  addTensor: 'int cudnnAddTensor(void *h, const void *alpha, void *bDesc, uint64_t b, const void *beta, void *yDesc, uint64_t y)',
  deriveBn: 'int cudnnDeriveBNTensorDescriptor(void *bnDesc, void *xDesc, int mode)',
  bnTrain: 'int cudnnBatchNormalizationForwardTraining(void *h, int mode, const void *alpha, const void *beta, void *xDesc, uint64_t x, void *yDesc, uint64_t y, void *bnDesc, uint64_t scale, uint64_t bias, double factor, uint64_t runMean, uint64_t runVar, double eps, uint64_t saveMean, uint64_t saveInvVar)',
  bnInfer: 'int cudnnBatchNormalizationForwardInference(void *h, int mode, const void *alpha, const void *beta, void *xDesc, uint64_t x, void *yDesc, uint64_t y, void *bnDesc, uint64_t scale, uint64_t bias, uint64_t mean, uint64_t var, double eps)',
  bnBackward: 'int cudnnBatchNormalizationBackward(void *h, int mode, const void *aData, const void *bData, const void *aParam, const void *bParam, void *xDesc, uint64_t x, void *dyDesc, uint64_t dy, void *dxDesc, uint64_t dx, void *bnDesc, uint64_t scale, uint64_t dScale, uint64_t dBias, double eps, uint64_t saveMean, uint64_t saveInvVar)',
  createDropout: 'int cudnnCreateDropoutDescriptor(_Out_ void **desc)',
  setDropout: 'int cudnnSetDropoutDescriptor(void *desc, void *h, float dropout, uint64_t states, size_t stateBytes, unsigned long long seed)',
  createRnn: 'int cudnnCreateRNNDescriptor(_Out_ void **desc)',
  setRnn: 'int cudnnSetRNNDescriptor_v8(void *desc, int algo, int cellMode, int biasMode, int dirMode, int inputMode, int dataType, int mathPrec, int mathType, int inputSize, int hiddenSize, int projSize, int numLayers, void *dropout, unsigned int auxFlags)',
  destroyRnn: 'int cudnnDestroyRNNDescriptor(void *desc)',
  createRnnData: 'int cudnnCreateRNNDataDescriptor(_Out_ void **desc)',
  setRnnData: 'int cudnnSetRNNDataDescriptor(void *desc, int dataType, int layout, int maxSeqLength, int batchSize, int vectorSize, const int *seqLengths, void *paddingFill)',
  destroyRnnData: 'int cudnnDestroyRNNDataDescriptor(void *desc)',
  rnnWeightSpaceSize: 'int cudnnGetRNNWeightSpaceSize(void *h, void *rnn, _Out_ size_t *bytes)',
  rnnTempSizes: 'int cudnnGetRNNTempSpaceSizes(void *h, void *rnn, int fwdMode, void *xDesc, _Out_ size_t *work, _Out_ size_t *reserve)',
  rnnWeightParams: 'int cudnnGetRNNWeightParams(void *h, void *rnn, int pseudoLayer, size_t wsBytes, uint64_t weightSpace, int linLayerId, void *mDesc, _Out_ uint64_t *mAddr, void *bDesc, _Out_ uint64_t *bAddr)',
  rnnForward: 'int cudnnRNNForward(void *h, void *rnn, int fwdMode, uint64_t devSeqLengths, void *xDesc, uint64_t x, void *yDesc, uint64_t y, void *hDesc, uint64_t hx, uint64_t hy, void *cDesc, uint64_t cx, uint64_t cy, size_t weightBytes, uint64_t weights, size_t workBytes, uint64_t work, size_t reserveBytes, uint64_t reserve)',
} as const;

/** cudnnConvolution*AlgoPerf_t: the three perf structs share this layout. */
export const ALGO_PERF_STRUCT = { algo: 'int', status: 'int', time: 'float', memory: 'size_t', determinism: 'int', mathType: 'int', reserved: 'int[3]' } as const;

/** cuDNN enums the backend uses. */
export const DNN = {
  FLOAT: 0, DOUBLE: 1, INT32: 3, NCHW: 0, CROSS_CORRELATION: 1,
  DEFAULT_MATH: 0, TENSOR_OP_MATH: 1, FMA_MATH: 3, BN_SPATIAL: 1,
  RNN_ALGO_STANDARD: 0, LSTM: 2, GRU: 3, RNN_DOUBLE_BIAS: 2, RNN_NO_BIAS: 0, UNIDIRECTIONAL: 0, LINEAR_INPUT: 0,
  SEQ_MAJOR_PACKED: 1, FWD_INFERENCE: 0, FWD_TRAINING: 1,
} as const;

/** One algorithm's measurement from cudnnFind*Algorithm. */
export interface AlgoPerf { algo: number; status: number; time: number; memory: number | bigint }

/** A cuDNN handle on the compute stream, with its bound functions. */
export interface Dnn {
  readonly f: Bound<typeof CUDNN_DECLS>;
  readonly handle: Handle;
  /** e.g. '9.14.0'. */
  readonly version: string;
  /** Throws a CudaCallError naming op and call unless status is success. */
  ok(op: string, call: string, status: unknown): void;
  /** A new descriptor from a create function. */
  make(op: string, call: keyof typeof CUDNN_DECLS): Handle;
}

let perfTypeDeclared = false;
/** Declares the cudnnAlgoPerf struct once (the declarations above name it). */
function declarePerf(): void {
  if (perfTypeDeclared) return;
  getKoffi().struct('cudnnAlgoPerf', ALGO_PERF_STRUCT);
  perfTypeDeclared = true;
}

/** Opens cuDNN at `path` on `stream`. */
export function openDnn(path: string, stream: Handle): Dnn {
  declarePerf();
  const f = bind(path, CUDNN_DECLS);
  const ok = (op: string, call: string, status: unknown) => check('cudnn', op, call, status as number);
  const h = outParam<Handle>();
  ok('initCuda', 'cudnnCreate', f.create(h));
  const handle = h[0]!;
  ok('initCuda', 'cudnnSetStream', f.setStream(handle, stream));
  const v = Number(f.getVersion());
  return {
    f, handle, ok,
    version: `${Math.floor(v / 10000)}.${Math.floor((v % 10000) / 100)}.${v % 100}`,
    make(op, call) {
      const o = outParam<Handle>();
      ok(op, call, (f[call] as (...a: unknown[]) => unknown)(o));
      return o[0]!;
    },
  };
}

/** Declares the struct so declaration tests can parse the prototypes without cuDNN. */
export const declareCudnnTypes = declarePerf;
