// The training page: starts src/train-worker.ts, draws its per-batch loss and accuracy and
// per-epoch test figures on a canvas chart, and counts the frames the page draws meanwhile
// (the proof that training does not block it).
import * as zoo from '@zoo/cnn';
import { LineChart, type Series } from './chart.js';
import { asset, byId, messageOf, pct } from './dom.js';
import { useModel } from './draw.js';
import type { FromWorker, ToWorker } from './protocol.js';

let worker: Worker | null = null;
let trained: { artifacts: zoo.ModelArtifacts; label: string } | null = null;

/** Wires the training page's controls. */
export function initTrain(onError: (message: string) => void): void {
  const chart = new LineChart(byId<HTMLCanvasElement>('train-chart'));
  const metrics = byId('train-metrics');
  const start = byId<HTMLButtonElement>('train-start');
  const stop = byId<HTMLButtonElement>('train-stop');
  const use = byId<HTMLButtonElement>('train-use');
  const field = (id: string, text: string) => {
    byId(id).textContent = text;
  };
  const loss: Series = { label: 'loss', color: '#d9662b', axis: 'left', points: [] };
  const acc: Series = { label: 'accuracy', color: '#1f6f5c', axis: 'right', points: [] };
  const valLoss: Series = {
    label: 'test loss',
    color: '#8a4b2a',
    axis: 'left',
    points: [],
    dots: true,
    dashed: true,
  };
  const valAcc: Series = {
    label: 'test accuracy',
    color: '#3b5bdb',
    axis: 'right',
    points: [],
    dots: true,
    dashed: true,
  };
  chart.series = [loss, acc, valLoss, valAcc];
  chart.draw();
  addEventListener('resize', () => chart.draw());

  let steps = 1;
  let started = 0;
  let frames = 0;
  let counting = false;
  let redraw = false;
  // Smoothed batch figures (exponential moving average, as TensorBoard's smoothing).
  let emaLoss = Number.NaN;
  let emaAcc = Number.NaN;
  const tick = () => {
    if (!counting) return;
    frames++;
    field('m-frames', String(frames));
    if (redraw) {
      redraw = false;
      chart.draw();
      byId('train-chart').dataset.points = String(loss.points.length);
    }
    requestAnimationFrame(tick);
  };
  const setState = (state: string, text = state) => {
    metrics.dataset.state = state;
    field('m-state', text);
  };

  const finish = () => {
    counting = false;
    worker?.terminate();
    worker = null;
    start.disabled = false;
    stop.disabled = true;
    chart.draw();
    byId('train-chart').dataset.points = String(loss.points.length);
  };

  start.addEventListener('click', () => {
    const kind = byId<HTMLSelectElement>('train-model').value as 'mlp' | 'cnn';
    const epochs = clampInt(byId<HTMLInputElement>('train-epochs').value, 1, 50, 5);
    const batchSize = clampInt(byId<HTMLInputElement>('train-batch').value, 1, 512, 32);
    const lr = Number(byId<HTMLInputElement>('train-lr').value);
    const learningRate = Number.isFinite(lr) && lr > 0 ? lr : 0.002;
    for (const s of chart.series) s.points = [];
    chart.xMax = epochs;
    chart.draw();
    emaLoss = Number.NaN;
    emaAcc = Number.NaN;
    for (const id of [
      'm-epoch',
      'm-loss',
      'm-acc',
      'm-val-loss',
      'm-val-acc',
      'm-speed',
      'm-time',
    ]) {
      field(id, '–');
    }
    Object.assign(metrics.dataset, { steps: '0', epochs: '0', firstLoss: '', lastLoss: '' });
    metrics.dataset.valAccuracy = '';
    setState('loading', 'loading data…');
    start.disabled = true;
    stop.disabled = false;
    use.disabled = true;
    frames = 0;
    counting = true;
    requestAnimationFrame(tick);

    worker?.terminate();
    worker = new Worker(asset('train-worker.js'), { type: 'module' });
    worker.onerror = (e) => {
      setState('error', 'error');
      onError(`the training worker failed: ${e.message || 'could not start it'}`);
      finish();
    };
    worker.onmessage = (e: MessageEvent<FromWorker>) => {
      const m = e.data;
      switch (m.type) {
        case 'started':
          steps = m.steps;
          started = performance.now();
          setState('training', 'training');
          field('m-epoch', `1 / ${epochs}`);
          break;
        case 'batch': {
          const x = m.epoch + (m.batch + 1) / steps;
          emaLoss = Number.isNaN(emaLoss) ? m.loss : 0.9 * emaLoss + 0.1 * m.loss;
          emaAcc = Number.isNaN(emaAcc) ? m.accuracy : 0.9 * emaAcc + 0.1 * m.accuracy;
          loss.points.push([x, emaLoss]);
          acc.points.push([x, emaAcc]);
          const n = Number(metrics.dataset.steps) + 1;
          metrics.dataset.steps = String(n);
          if (n === 1) metrics.dataset.firstLoss = m.loss.toFixed(5);
          metrics.dataset.lastLoss = emaLoss.toFixed(5);
          field('m-epoch', `${m.epoch + 1} / ${epochs}`);
          field('m-loss', emaLoss.toFixed(4));
          field('m-acc', pct(emaAcc));
          field('m-speed', Math.round(m.rate).toLocaleString('en'));
          field('m-time', `${((performance.now() - started) / 1000).toFixed(1)} s`);
          redraw = true;
          break;
        }
        case 'epoch':
          valLoss.points.push([m.epoch + 1, m.valLoss]);
          valAcc.points.push([m.epoch + 1, m.valAccuracy]);
          metrics.dataset.epochs = String(m.epoch + 1);
          metrics.dataset.valAccuracy = m.valAccuracy.toFixed(4);
          field('m-val-loss', m.valLoss.toFixed(4));
          field('m-val-acc', pct(m.valAccuracy));
          redraw = true;
          break;
        case 'done':
          setState(m.stopped ? 'stopped' : 'done');
          field('m-time', `${m.seconds.toFixed(1)} s`);
          trained = {
            artifacts: m.artifacts,
            label:
              `${kind === 'mlp' ? 'The MLP' : 'The CNN'} you trained in the training page ` +
              `(${metrics.dataset.epochs} epoch(s), test accuracy ${metrics.dataset.valAccuracy ? pct(Number(metrics.dataset.valAccuracy)) : 'not measured'}).`,
          };
          use.disabled = false;
          finish();
          break;
        case 'error':
          setState('error', 'error');
          onError(`training failed: ${m.message}`);
          finish();
          break;
      }
    };
    const msg: ToWorker = { type: 'start', model: kind, epochs, batchSize, learningRate };
    worker.postMessage(msg);
  });

  stop.addEventListener('click', () => {
    if (worker === null) return;
    worker.postMessage({ type: 'stop' } satisfies ToWorker);
    setState('stopping', 'stopping…');
    stop.disabled = true;
  });

  use.addEventListener('click', async () => {
    if (trained === null) return;
    try {
      const model = await zoo.loadLayersModel(zoo.io.fromMemory(trained.artifacts));
      useModel(model, trained.label);
      document.querySelector<HTMLButtonElement>('[data-tab="draw"]')?.click();
    } catch (err) {
      onError(`could not load the trained model: ${messageOf(err)}`);
    }
  });
}

function clampInt(text: string, lo: number, hi: number, fallback: number): number {
  const v = Math.round(Number(text));
  if (!Number.isFinite(v)) return fallback;
  return Math.min(hi, Math.max(lo, v));
}
