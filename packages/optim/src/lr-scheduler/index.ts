// Learning-rate schedulers (torch.optim.lr_scheduler).
export { LRScheduler } from './scheduler.js';
export type { Scheduler, SchedulableOptimizer, SchedulerStateDict } from './scheduler.js';
export { StepLR, MultiStepLR, ExponentialLR, LinearLR, LambdaLR } from './basic.js';
export type { LinearLROptions } from './basic.js';
export { CosineAnnealingLR, OneCycleLR } from './cosine.js';
export type { OneCycleLROptions } from './cosine.js';
export { ReduceLROnPlateau } from './plateau.js';
export type { ReduceLROnPlateauOptions } from './plateau.js';
export { SequentialLR, ChainedScheduler } from './compose.js';
