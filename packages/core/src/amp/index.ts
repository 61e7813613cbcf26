// Mixed precision: autocast regions and their op tables.
export { autocast, autocastTable, getAutocastDtype, isAutocastEnabled } from './autocast.js';
export type { AutocastDType, AutocastOptions } from './autocast.js';
export { CPU_AUTOCAST, GPU_AUTOCAST } from './policy.js';
export type { AutocastTable, CastPolicy } from './policy.js';
