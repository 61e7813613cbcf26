// Mixed-precision training helpers (torch.amp): the gradient scaler.
export { GradScaler } from './grad-scaler.js';
export type { GradScalerOptions, GradScalerStateDict } from './grad-scaler.js';
