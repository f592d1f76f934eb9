// The draw page: pointer strokes on a 280x280 canvas, turned into an MNIST-style 28x28 input
// after every change (one animation frame at most) and classified by the CNN the build
// trained; the ten probabilities are drawn as bars.
import * as zoo from '@zoo/cnn';
import { asset, byId, fetchJson, messageOf, pct } from './dom.js';
import { SIDE, toMnist } from './preprocess.js';

/** The build's info.json for the digits CNN. */
interface CnnInfo {
  model: string;
  params: number;
  trainImages: number;
  epochs: number;
  testImages: number;
  testAccuracy: number;
}

let model: zoo.LayersModel | null = null;
/** Whether the current model reads flat [1, 784] input (an MLP trained in the page). */
let flatInput = false;
let scheduled = false;
let classify: () => void = () => {};

/** Replaces the classifier (the "Use in Draw" button of the training page). */
export function useModel(next: zoo.LayersModel, description: string): void {
  model?.dispose();
  model = next;
  flatInput = next.inputs[0].shape.length === 2;
  byId('draw-info').textContent = description;
  classify();
}

/** Sets up the canvas and loads the pre-trained CNN. */
export async function initDraw(): Promise<void> {
  const canvas = byId<HTMLCanvasElement>('draw-canvas');
  const preview = byId<HTMLCanvasElement>('draw-preview');
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  const pctx = preview.getContext('2d')!;
  const bars = buildBars();

  const clear = () => {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    pctx.fillStyle = '#000';
    pctx.fillRect(0, 0, SIDE, SIDE);
    showPrediction(null, bars);
  };
  clear();

  classify = () => {
    scheduled = false;
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    const ink = new Float32Array(canvas.width * canvas.height);
    for (let i = 0; i < ink.length; i++) ink[i] = data[i * 4] / 255;
    const input = toMnist(ink, canvas.width, canvas.height);
    const img = pctx.createImageData(SIDE, SIDE);
    for (let i = 0; i < SIDE * SIDE; i++) {
      const v = Math.round((input?.[i] ?? 0) * 255);
      img.data.set([v, v, v, 255], i * 4);
    }
    pctx.putImageData(img, 0, 0);
    if (input === null || model === null) {
      showPrediction(null, bars);
      return;
    }
    const current = model;
    const probs = zoo.tidy(() => {
      const x = zoo.tensor(input, flatInput ? [1, SIDE * SIDE] : [1, SIDE, SIDE, 1]);
      return Array.from(current.predict(x).dataSync());
    });
    showPrediction(probs, bars);
  };
  const schedule = () => {
    if (!scheduled) {
      scheduled = true;
      requestAnimationFrame(() => classify());
    }
  };

  // Strokes: pointer events cover mouse, pen and touch; coordinates scale from CSS pixels.
  let last: [number, number] | null = null;
  const at = (e: PointerEvent): [number, number] => {
    const r = canvas.getBoundingClientRect();
    return [
      ((e.clientX - r.left) * canvas.width) / r.width,
      ((e.clientY - r.top) * canvas.height) / r.height,
    ];
  };
  const strokeTo = (p: [number, number]) => {
    ctx.strokeStyle = '#fff';
    ctx.fillStyle = '#fff';
    ctx.lineWidth = 18;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    if (last === null) {
      ctx.arc(p[0], p[1], ctx.lineWidth / 2, 0, 2 * Math.PI);
      ctx.fill();
    } else {
      ctx.moveTo(last[0], last[1]);
      ctx.lineTo(p[0], p[1]);
      ctx.stroke();
    }
    last = p;
    schedule();
  };
  canvas.addEventListener('pointerdown', (e) => {
    e.preventDefault();
    canvas.setPointerCapture(e.pointerId);
    last = null;
    strokeTo(at(e));
  });
  canvas.addEventListener('pointermove', (e) => {
    if (last === null || !canvas.hasPointerCapture(e.pointerId)) return;
    for (const ev of e.getCoalescedEvents?.() ?? [e]) strokeTo(at(ev));
  });
  const end = (e: PointerEvent) => {
    if (canvas.hasPointerCapture(e.pointerId)) canvas.releasePointerCapture(e.pointerId);
    last = null;
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  byId('draw-clear').addEventListener('click', clear);

  try {
    const [loaded, info] = await Promise.all([
      zoo.loadLayersModel(asset('models/digits-cnn/model.json')),
      fetchJson<CnnInfo>('models/digits-cnn/info.json'),
    ]);
    if (model === null) {
      model = loaded;
      byId('draw-info').textContent =
        `${info.model}: ${info.params.toLocaleString('en')} parameters, trained by the build on ` +
        `${info.trainImages.toLocaleString('en')} MNIST digits (plus distorted copies) for ${info.epochs} epochs; ` +
        `${pct(info.testAccuracy)} accurate on ${info.testImages.toLocaleString('en')} held-out test digits.`;
    } else loaded.dispose();
    classify();
  } catch (err) {
    byId('draw-info').textContent = `Could not load the CNN: ${messageOf(err)}`;
    throw err;
  }
}

interface Bar {
  fill: HTMLElement;
  pct: HTMLElement;
}

function buildBars(): Bar[] {
  const box = byId('probs');
  box.replaceChildren();
  const bars: Bar[] = [];
  for (let d = 0; d < 10; d++) {
    const digit = document.createElement('span');
    digit.className = 'digit';
    digit.textContent = String(d);
    const track = document.createElement('div');
    track.className = 'track';
    const fill = document.createElement('div');
    fill.className = 'fill';
    fill.dataset.digit = String(d);
    fill.dataset.p = '0';
    track.append(fill);
    const p = document.createElement('span');
    p.className = 'pct';
    p.textContent = '–';
    box.append(digit, track, p);
    bars.push({ fill, pct: p });
  }
  return bars;
}

function showPrediction(probs: number[] | null, bars: Bar[]): void {
  const pred = byId('prediction');
  let best = -1;
  if (probs !== null) {
    best = 0;
    for (let d = 1; d < 10; d++) if (probs[d] > probs[best]) best = d;
  }
  bars.forEach((bar, d) => {
    const p = probs?.[d] ?? 0;
    bar.fill.style.width = `${(p * 100).toFixed(1)}%`;
    bar.fill.dataset.p = p.toFixed(4);
    bar.fill.classList.toggle('top', d === best);
    bar.pct.textContent = probs === null ? '–' : pct(p);
  });
  pred.dataset.digit = best < 0 ? '' : String(best);
  pred.dataset.confidence = best < 0 ? '' : probs![best].toFixed(4);
  byId('prediction-digit').textContent = best < 0 ? '?' : String(best);
  byId('prediction-text').textContent = best < 0 ? 'draw something' : `${pct(probs![best])} sure`;
}
