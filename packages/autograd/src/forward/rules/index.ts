// Registers every forward-mode rule (one module per op family).
import './elementwise.js';
import './reduce.js';
import './views.js';
import './linalg.js';
import './nn.js';
import './norms.js';
import './transpose.js';
import './rnn.js';
