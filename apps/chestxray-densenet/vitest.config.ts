import { defineConfig } from 'vitest/config';
import { appsConfig } from '../vitest.apps.js';

export default defineConfig(appsConfig);
