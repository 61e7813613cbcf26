// The page's settings from its query string (?steps=300&backend=cpu&batch=64&lr=0.005&seed=0), checked.

/** Which device the page should try: WebGPU first with the CPU as fallback ('auto'), or one of them. */
export type BackendWish = 'auto' | 'webgpu' | 'cpu';

/** Everything a run needs to know. */
export interface DemoParams {
  /** Training steps; then the test set is evaluated. */
  steps: number;
  backend: BackendWish;
  batchSize: number;
  /** Adam's learning rate at the first step, decayed linearly to 0 at the last (as the command-line app). */
  lr: number;
  seed: number;
  /** Evaluate the test set every this many steps (and always after the last). */
  evalEvery: number;
  /** Test on the first this many test images (all 1,000 by default). */
  testImages: number;
}

/** Eight passes over the 4,000 committed training images at batch 64, as `apps/fashion-mnist` does. */
export const DEFAULT_STEPS = 500;

/** Reads the query string; a malformed value is an error naming the parameter and what it accepts. */
export function readParams(search: string): DemoParams {
  const q = new URLSearchParams(search);
  const int = (name: string, fallback: number, min: number): number => {
    const raw = q.get(name);
    if (raw === null || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new RangeError(`?${name}= must be an integer >= ${min}, got '${raw}'`);
    return n;
  };
  const backend = q.get('backend') ?? 'auto';
  if (backend !== 'auto' && backend !== 'webgpu' && backend !== 'cpu') throw new RangeError(`?backend= must be webgpu, cpu or auto, got '${backend}'`);
  const lrRaw = q.get('lr');
  const lr = lrRaw === null ? 0.005 : Number(lrRaw);
  if (!(lr > 0 && lr < 1)) throw new RangeError(`?lr= must be a number in (0, 1), got '${lrRaw}'`);
  const steps = int('steps', DEFAULT_STEPS, 1);
  return { steps, backend, batchSize: int('batch', 64, 1), lr, seed: int('seed', 0, 0), evalEvery: int('eval', 100, 1), testImages: int('test', 1000, 1) };
}
