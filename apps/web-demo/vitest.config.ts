import { defineConfig } from 'vitest/config';
import { appsConfig } from '../vitest.apps.js';

export default defineConfig({ ...appsConfig, test: { ...appsConfig.test, include: ['src/**/*.test.ts', 'test/**/*.test.ts'] } });
