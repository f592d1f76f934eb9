// Batch-norm folding for inference: a Conv2D (or Dense) whose output feeds only a
// BatchNormalization runs as one fused call with folded weights,
//   W' = W * s,  b' = (b - movingMean) * s + beta,  s = gamma / sqrt(movingVariance + epsilon),
// and an Activation that alone consumes the batch norm's output is fused into the same call.
// LayersModel.execute uses these plans when it runs without training and without a gradient
// tape; the folded weights are cached and rebuilt when the weights epoch moves (see
// `weightsEpoch` in layer.ts).
import { heap } from '../backend.js';
import { fusedConv2d } from '../ops/conv.js';
import { type FusedActivation, fusedMatMul } from '../ops/matmul.js';
import { Tensor } from '../tensor.js';
import { Conv2D } from './conv.js';
import { Activation, Dense, FUSED_ACTIVATIONS } from './core.js';
import { type LayerNode, type SymbolicTensor, weightsEpoch } from './layer.js';
import { BatchNormalization } from './normalization.js';

/** One conv (or dense) -> batch norm (-> activation) chain run as a single call. @internal */
export interface FoldStep {
  conv: LayerNode;
  bn: LayerNode;
  act: LayerNode | null;
  /**
   * Folded kernel and bias, built lazily. They are a cache inside the model: allocated on the
   * heap directly (not counted by `memory().numTensors`) and freed with the model.
   */
  kernel: Tensor | null;
  bias: Tensor | null;
  /** The weights epoch the folded weights were computed at. */
  epoch: number;
}

/** The folds of one model graph. @internal */
export interface FoldPlan {
  /** Keyed by the conv / dense node that starts the chain. */
  steps: Map<LayerNode, FoldStep>;
}

/** Finds the foldable chains among `nodes` (model outputs are never folded away). @internal */
export function planFolds(
  nodes: readonly LayerNode[],
  outputs: readonly SymbolicTensor[],
): FoldPlan {
  const consumers = new Map<SymbolicTensor, LayerNode[]>();
  for (const n of nodes) {
    for (const s of n.inputs) {
      const list = consumers.get(s);
      if (list === undefined) consumers.set(s, [n]);
      else list.push(n);
    }
  }
  const isOutput = new Set(outputs);
  const outputLayers = new Set(outputs.map((o) => o.sourceLayer));
  const only = (t: SymbolicTensor): LayerNode | null => {
    if (isOutput.has(t)) return null;
    const c = consumers.get(t);
    return c !== undefined && c.length === 1 && c[0].inputs.length === 1 ? c[0] : null;
  };
  const steps = new Map<LayerNode, FoldStep>();
  for (const n of nodes) {
    const l = n.layer;
    if (!((l instanceof Conv2D || l instanceof Dense) && l.activation === 'linear')) continue;
    if (n.inputs.length !== 1 || n.outputs.length !== 1) continue;
    const bn = only(n.outputs[0]);
    if (bn === null || !(bn.layer instanceof BatchNormalization)) continue;
    let act = only(bn.outputs[0]);
    if (
      act !== null &&
      !(
        act.layer instanceof Activation &&
        FUSED_ACTIVATIONS.has(act.layer.activation) &&
        // An output layer's activation may be left out by a fused loss; keep it separate.
        !outputLayers.has(act.layer)
      )
    ) {
      act = null;
    }
    steps.set(n, { conv: n, bn, act, kernel: null, bias: null, epoch: -1 });
  }
  return { steps };
}

/** Computes the folded kernel and bias of a step (float64 arithmetic per channel). */
function refold(step: FoldStep): void {
  disposeStep(step);
  const conv = step.conv.layer as Conv2D | Dense;
  const bn = step.bn.layer as BatchNormalization;
  const w = conv.kernel!;
  const c = w.shape[w.rank - 1];
  const read = (t: Tensor | undefined): Float32Array | null =>
    t === undefined ? null : (t.dataSync() as Float32Array);
  const g = read(bn.gamma);
  const b = read(bn.beta);
  const mean = read(bn.movingMean)!;
  const variance = read(bn.movingVariance)!;
  const cb = read(conv.bias);
  const s = new Float64Array(c);
  const bias = new Float32Array(c);
  for (let j = 0; j < c; j++) {
    s[j] = (g === null ? 1 : g[j]) / Math.sqrt(variance[j] + bn.epsilon);
    bias[j] = ((cb === null ? 0 : cb[j]) - mean[j]) * s[j] + (b === null ? 0 : b[j]);
  }
  const kernel = cacheTensor(w.shape);
  const biasT = cacheTensor([c]);
  const h = heap();
  h.refresh();
  const f = h.f32;
  const src = w.ptr >> 2;
  const dst = kernel.ptr >> 2;
  for (let i = 0; i < w.size; i += c) {
    for (let j = 0; j < c; j++) f[dst + i + j] = f[src + i + j] * s[j];
  }
  f.set(bias, biasT.ptr >> 2);
  step.kernel = kernel;
  step.bias = biasT;
  step.epoch = weightsEpoch();
}

/**
 * Runs a folded chain on its input; null when this input cannot take the folded path (a Dense
 * layer on inputs of rank > 2), so the caller runs the layers one by one. @internal
 */
export function runFold(step: FoldStep, x: Tensor): Tensor | null {
  const conv = step.conv.layer;
  // planFolds only takes activations of FUSED_ACTIVATIONS, which the fused kernels all apply.
  const act = (
    step.act === null ? 'linear' : (step.act.layer as Activation).activation
  ) as FusedActivation;
  if (conv instanceof Dense) {
    if (x.rank !== 2) return null;
    // Let the layer check the input as it would.
    if (x.shape[1] !== conv.kernel!.shape[0]) return null;
  } else if (conv instanceof Conv2D) {
    if (x.rank !== 4 || x.shape[3] !== conv.kernel!.shape[2]) return null;
    conv.computeOutputShape(x.shape.slice()); // the window must fit
  } else {
    return null;
  }
  if (step.kernel === null || step.epoch !== weightsEpoch()) refold(step);
  if (conv instanceof Dense) {
    return fusedMatMul({ a: x, b: step.kernel!, bias: step.bias!, activation: act });
  }
  return fusedConv2d({
    x,
    filter: step.kernel!,
    strides: conv.strides,
    pad: conv.padding,
    dilations: conv.dilationRate,
    bias: step.bias!,
    activation: act,
  });
}

/** A tensor outside the engine's bookkeeping (no scope, not counted), freed by disposeStep. */
function cacheTensor(shape: readonly number[]): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return new Tensor(shape, 'float32', heap().alloc(size * 4));
}

function disposeStep(step: FoldStep): void {
  for (const t of [step.kernel, step.bias]) if (t !== null) heap().release(t.ptr, t.byteLength);
  step.kernel = null;
  step.bias = null;
}

/** Frees the cached folded weights of a plan. @internal */
export function disposeFolds(plan: FoldPlan | null): void {
  if (plan === null) return;
  for (const step of plan.steps.values()) disposeStep(step);
}
