// The web demo's page: start WebGPU (or the CPU, saying why), load the committed Fashion-MNIST subset, train
// with a live chart, test, show predictions and offer the weights as safetensors. `#status` ends with
// "test accuracy NN.N% on <device>" when done, and window.flintDemo holds the result for automated checks.
import '@flint/autograd';
import { getDefaultDevice } from '@flint/core';
import { saveToBytes } from '@flint/nn';
import { startBackend } from './backend.js';
import { drawChart, smooth, type ChartData } from './chart.js';
import { loadData } from './data.js';
import { drawGrid } from './grid.js';
import { readParams } from './params.js';
import { train } from './train.js';

/** What the page exposes when a run ends (read by the end-to-end test). */
export interface DemoResult {
  device: string;
  /** The device the trained parameters live on (must equal `device`). */
  parameterDevice: string;
  fallbackReason: string | null;
  steps: number;
  testAccuracy: number;
  /** Every step's training loss. */
  losses: number[];
  seconds: number;
}

declare global {
  interface Window { flintDemo?: DemoResult | { error: string } }
}

const $ = <T extends HTMLElement | SVGSVGElement>(id: string): T => document.getElementById(id) as T;
const status = $<HTMLElement>('status');
const setStatus = (text: string, state = 'running'): void => { status.textContent = text; status.dataset.state = state; };

async function run(): Promise<void> {
  const params = readParams(location.search);
  setStatus('Starting the backend…');
  const choice = await startBackend(params.backend);
  const banner = $<HTMLElement>('backend');
  if (choice.device === 'webgpu') banner.textContent = 'Training on WebGPU (@flint/backend-webgpu).';
  else {
    banner.textContent = `Training on the CPU backend: ${choice.fallbackReason!.replace(/\.$/, '')}.`;
    banner.classList.add('fallback');
  }
  setStatus('Loading the Fashion-MNIST subset…');
  const data = await loadData(params.testImages);

  const chart: ChartData = { totalSteps: params.steps, loss: [], lossSmooth: [], batchAccuracy: [], testAccuracy: [] };
  const batchAcc: [number, number][] = [];
  const svg = $<SVGSVGElement>('chart');
  let drawn = 0;
  const redraw = (): void => {
    chart.lossSmooth = smooth(chart.loss);
    chart.batchAccuracy = smooth(batchAcc);
    drawChart(svg, chart);
    drawn = performance.now();
  };
  redraw();
  const t0 = performance.now();
  const grid = $<HTMLElement>('grid');
  const { model, final } = await train(params, data, {
    onStep: ({ step, loss, accuracy }) => {
      chart.loss.push([step, loss]);
      batchAcc.push([step, accuracy]);
      const rate = (step * params.batchSize) / ((performance.now() - t0) / 1000);
      setStatus(`Training on ${choice.device}: step ${step}/${params.steps}, loss ${loss.toFixed(3)}, ${rate.toFixed(0)} samples/s`);
      if (performance.now() - drawn > 200) redraw();
    },
    onEval: (step, r) => {
      chart.testAccuracy.push([step, r.accuracy]);
      redraw();
    },
  }, 36);
  const seconds = (performance.now() - t0) / 1000;
  redraw();
  drawGrid(grid, data.test, final.predictions);

  const button = $<HTMLButtonElement>('download');
  button.disabled = false;
  button.onclick = async () => {
    const bytes = await saveToBytes(model.stateDict(), { metadata: { model: 'FashionCnn', steps: String(params.steps), testAccuracy: final.accuracy.toFixed(4), device: choice.device } });
    const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
    const a = Object.assign(document.createElement('a'), { href: url, download: 'fashion-cnn.safetensors' });
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    $<HTMLElement>('download-note').textContent = `${bytes.length.toLocaleString()} bytes; load with @flint/nn's load() or safetensors in Python`;
  };

  const pct = (100 * final.accuracy).toFixed(1);
  window.flintDemo = {
    device: getDefaultDevice(), parameterDevice: [...model.parameters()][0]!.device, fallbackReason: choice.fallbackReason ?? null,
    steps: params.steps, testAccuracy: final.accuracy, losses: chart.loss.map(([, l]) => l), seconds,
  };
  setStatus(`Trained ${params.steps} steps in ${seconds.toFixed(1)} s (${((params.steps * params.batchSize) / seconds).toFixed(0)} samples/s); test loss ${final.loss.toFixed(3)}, test accuracy ${pct}% on ${choice.device}`, 'done');
}

run().catch((e: unknown) => {
  const message = e instanceof Error ? e.message : String(e);
  window.flintDemo = { error: message };
  setStatus(`Failed: ${message}`, 'error');
  console.error(e);
});
