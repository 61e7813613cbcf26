#!/usr/bin/env node
// Runs the Flint backend conformance suite without a test framework; see src/cli.ts.
import '../dist/cli.js';
