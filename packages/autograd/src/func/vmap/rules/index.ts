// Registers every batching rule (one module per op family).
import './elementwise.js';
import './reduce.js';
import './views.js';
import './linalg.js';
import './nn.js';
import './fused.js';
