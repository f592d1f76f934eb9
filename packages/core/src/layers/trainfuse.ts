// Training-mode fusion of the layer graph: a BatchNormalization whose output feeds only an
// Activation('relu') runs as one batch norm with the relu fused into its passes
// (BatchNormalization.callTrainingRelu: one pass fewer forward, and the relu's backward pass
// folded into the batch norm's, which recomputes the mask from its input). The results equal
// the two layers run one after the other bit for bit. LayersModel.execute uses it in training
// mode; inference has its own folds (./fold.ts).
import type { Tensor } from '../tensor.js';
import { Activation } from './core.js';
import type { LayerNode, SymbolicTensor } from './layer.js';
import { BatchNormalization } from './normalization.js';

/** Batch-norm node -> the relu Activation node it is fused with. @internal */
export type TrainFusionPlan = ReadonlyMap<LayerNode, LayerNode>;

/** Plans by node list (a model's `nodes` array is replaced when its graph changes). */
const plans = new WeakMap<readonly LayerNode[], TrainFusionPlan>();

/**
 * The fusable batch norm -> relu pairs among `nodes`, cached per node list. A pair qualifies
 * when the batch norm's output is not a model output and its only consumer is an
 * Activation('relu') of one input that is not an output layer (a fused loss may leave an
 * output layer's activation out). @internal
 */
export function planTrainFusions(
  nodes: readonly LayerNode[],
  outputs: readonly SymbolicTensor[],
): TrainFusionPlan {
  const cached = plans.get(nodes);
  if (cached !== undefined) return cached;
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
  const plan = new Map<LayerNode, LayerNode>();
  for (const n of nodes) {
    if (!(n.layer instanceof BatchNormalization)) continue;
    if (n.inputs.length !== 1 || n.outputs.length !== 1 || isOutput.has(n.outputs[0])) continue;
    const c = consumers.get(n.outputs[0]);
    if (c === undefined || c.length !== 1) continue;
    const act = c[0];
    if (
      act.inputs.length === 1 &&
      act.layer instanceof Activation &&
      act.layer.activation === 'relu' &&
      !outputLayers.has(act.layer)
    ) {
      plan.set(n, act);
    }
  }
  plans.set(nodes, plan);
  return plan;
}

/**
 * Runs a planned batch norm -> relu pair in training mode on the batch norm's input; null when
 * the batch norm would not train (frozen), so the caller runs the layers one by one. @internal
 */
export function runTrainFusion(bn: LayerNode, x: Tensor): Tensor | null {
  return (bn.layer as BatchNormalization).callTrainingRelu(x);
}
