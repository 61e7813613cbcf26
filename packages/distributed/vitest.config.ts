import { defineConfig } from 'vitest/config';
import { sharedConfig } from '../../tooling/vitest.shared.js';

// the rank scripts that the tests start under mpirun are bundled once per run (src/testing/bundle-ranks.ts)
export default defineConfig({ ...sharedConfig, test: { ...sharedConfig.test, globalSetup: ['src/testing/bundle-ranks.ts'] } });
