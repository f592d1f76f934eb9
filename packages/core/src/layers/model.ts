// Models: a functional graph of layers (LayersModel) and its linear special case (Sequential).
import { engine, isTensor } from '../engine.js';
import type { IOHandler, SaveResult } from '../io/io.js';
import { saveModel } from '../io/serialize.js';
import { add } from '../ops/binary.js';
import type { TensorLike } from '../ops/creation.js';
import type { Tensor, Variable } from '../tensor.js';
import type { History } from '../train/callbacks.js';
import type { Optimizer } from '../train/optimizers.js';
import { fmt } from '../util.js';
import { InputLayer } from './core.js';
import { disposeFolds, type FoldPlan, planFolds, runFold } from './fold.js';
import {
  type CallArgs,
  fmtShape,
  Layer,
  type LayerNode,
  type Mask,
  type Shape,
  SymbolicTensor,
  weightsChanged,
} from './layer.js';
import { planTrainFusions, runTrainFusion } from './trainfuse.js';
import {
  type CompileArgs,
  type Compiled,
  compile,
  evaluate,
  fit,
  type ModelFitArgs,
  predict,
  trainOnBatch,
} from './training.js';

/** Arguments of {@link model}. */
export interface ModelArgs {
  inputs: SymbolicTensor | SymbolicTensor[];
  outputs: SymbolicTensor | SymbolicTensor[];
  name?: string;
}

/**
 * A model: layers wired as a graph from symbolic inputs to outputs. Train it with
 * `compile` + `fit`, run it with `predict`, save it with `save`.
 */
export class LayersModel extends Layer {
  static readonly className: string = 'Model';
  /** Symbolic inputs. */
  inputs: SymbolicTensor[] = [];
  /** Symbolic outputs. */
  outputs: SymbolicTensor[] = [];
  /** Layers in execution order, inputs included. */
  layers: Layer[] = [];
  /** Set by callbacks (early stopping) or an abort signal to end `fit` after this batch. */
  stopTraining = false;
  /** @internal what compile() settled. */
  compiled: Compiled | undefined;
  /** @internal nodes in execution order. */
  nodes: LayerNode[] = [];
  /**
   * Whether inference (`predict`, `evaluate`, `apply` without training and outside gradient
   * computations) folds each BatchNormalization into the Conv2D or Dense layer before it (and
   * fuses a following Activation): one fused call with cached folded weights instead of three
   * passes. Results equal the unfolded computation up to float32 rounding (~1e-6 relative).
   * The cache follows every way Zoo writes weights (`setWeights`, `Variable.assign`, optimizer
   * steps, training); code that writes a variable's wasm memory directly calls
   * `weightsChanged()`. Set to false to run every layer.
   */
  foldBatchNorm = true;
  private foldPlan: FoldPlan | null = null;

  constructor(args?: ModelArgs) {
    super({ name: args?.name });
    if (args !== undefined) this.setGraph(args.inputs, args.outputs);
  }

  getClassName(): string {
    return 'Model';
  }

  /** @internal wires the graph and orders its nodes. */
  protected setGraph(
    inputs: SymbolicTensor | SymbolicTensor[],
    outputs: SymbolicTensor | SymbolicTensor[],
  ): void {
    this.inputs = Array.isArray(inputs) ? inputs : [inputs];
    this.outputs = Array.isArray(outputs) ? outputs : [outputs];
    for (const i of this.inputs) {
      if (!(i instanceof SymbolicTensor) || !(i.sourceLayer instanceof InputLayer)) {
        throw new Error(`${this.name}: model inputs must come from input(), got ${String(i)}`);
      }
    }
    const order: LayerNode[] = [];
    const seen = new Set<LayerNode>();
    const visiting = new Set<LayerNode>();
    // Traversal order of the layers (first visit), to order `layers` as Keras / tfjs-layers.
    const layerIndex = new Map<Layer, number>();
    const visit = (t: SymbolicTensor) => {
      const node = t.sourceLayer.inboundNodes[t.nodeIndex];
      if (seen.has(node)) return;
      if (visiting.has(node))
        throw new Error(`${this.name}: the layer graph has a cycle at ${t.sourceLayer.name}`);
      if (!layerIndex.has(node.layer)) layerIndex.set(node.layer, layerIndex.size);
      visiting.add(node);
      if (node.inputs.length === 0 && !this.inputs.includes(t)) {
        throw new Error(
          `${this.name}: output depends on input '${t.sourceLayer.name}', which is not among the model's inputs`,
        );
      }
      for (const i of node.inputs) visit(i);
      visiting.delete(node);
      seen.add(node);
      order.push(node);
    };
    for (const o of this.outputs) visit(o);
    this.nodes = order;
    disposeFolds(this.foldPlan);
    this.foldPlan = null;
    // `layers` in Keras / tfjs-layers order (so getWeights() lists weights as they do): by
    // depth from the outputs, deepest (inputs) first; ties in traversal order.
    const nodeDepth = new Map<LayerNode, number>();
    const layerDepth = new Map<Layer, number>();
    for (let i = order.length - 1; i >= 0; i--) {
      const node = order[i];
      const depth = Math.max(nodeDepth.get(node) ?? 0, layerDepth.get(node.layer) ?? 0);
      layerDepth.set(node.layer, depth);
      nodeDepth.set(node, depth);
      for (const s of node.inputs) {
        const inbound = s.sourceLayer.inboundNodes[s.nodeIndex];
        nodeDepth.set(inbound, Math.max(depth + 1, nodeDepth.get(inbound) ?? 0));
      }
    }
    this.layers = [...layerDepth.keys()].sort(
      (a, b) => layerDepth.get(b)! - layerDepth.get(a)! || layerIndex.get(a)! - layerIndex.get(b)!,
    );
    this.built = true;
  }

  /** The layer called `name`, or at position `index`. */
  getLayer(nameOrIndex: string | number): Layer {
    const l =
      typeof nameOrIndex === 'number'
        ? this.layers[nameOrIndex]
        : this.layers.find((x) => x.name === nameOrIndex);
    if (l === undefined) throw new Error(`${this.name}: no layer ${JSON.stringify(nameOrIndex)}`);
    return l;
  }

  /**
   * Runs the graph on concrete inputs. With `skipActivation`, the output layer leaves out its
   * activation (used when the loss fuses softmax with cross-entropy). @internal
   */
  execute(xs: Tensor[], args: CallArgs): Tensor[] {
    if (xs.length !== this.inputs.length) {
      throw new Error(
        `${this.name}: expected ${this.inputs.length} input tensor(s), got ${xs.length}`,
      );
    }
    const values = new Map<SymbolicTensor, Tensor>();
    // Masks (e.g. from embedding maskZero) travel alongside the values they describe.
    const masks = new Map<SymbolicTensor, Tensor | null>();
    this.inputs.forEach((sym, i) => {
      checkInputShape(this.name, sym.shape, xs[i]);
      values.set(sym, xs[i]);
    });
    const outputLayers = new Set(this.outputs.map((o) => o.sourceLayer));
    // Inference outside any gradient computation runs conv -> batch norm (-> activation)
    // chains as single folded calls; anything else may be followed by a weight update.
    const grads = engine.tapes.length > 0;
    if (args.training || grads) weightsChanged();
    const fold = !args.training && !grads && this.foldBatchNorm;
    if (fold) this.foldPlan ??= planFolds(this.nodes, this.outputs);
    // Training runs batch norm -> relu pairs as one fused batch norm (./trainfuse.ts).
    const fuse = args.training ? planTrainFusions(this.nodes, this.outputs) : null;
    const folded = new Set<LayerNode>();
    for (const node of this.nodes) {
      if (node.inputs.length === 0 || folded.has(node)) continue;
      const act = fuse?.get(node);
      if (act !== undefined && (masks.get(node.inputs[0]) ?? null) === null) {
        const y = runTrainFusion(node, values.get(node.inputs[0])!);
        if (y !== null) {
          values.set(act.outputs[0], y);
          folded.add(act);
          continue;
        }
      }
      const step = fold ? this.foldPlan!.steps.get(node) : undefined;
      if (step !== undefined && (masks.get(node.inputs[0]) ?? null) === null) {
        const y = runFold(step, values.get(node.inputs[0])!);
        if (y !== null) {
          const last = step.act ?? step.bn;
          values.set(last.outputs[0], y);
          folded.add(step.bn);
          if (step.act !== null) folded.add(step.act);
          continue;
        }
      }
      const ins = node.inputs.map((s) => values.get(s)!);
      const inMasks = node.inputs.map((s) => masks.get(s) ?? null);
      const mask: Mask = inMasks.length === 1 ? inMasks[0] : inMasks;
      const callArgs: CallArgs = {
        training: args.training,
        skipActivation: args.skipActivation === true && outputLayers.has(node.layer),
      };
      if (inMasks.some((m) => m !== null)) callArgs.mask = mask;
      const input = ins.length === 1 ? ins[0] : ins;
      const out = node.layer.call(input, callArgs);
      const outs = Array.isArray(out) ? out : [out];
      const outMask = node.layer.computeMask(input, callArgs.mask);
      for (let i = 0; i < node.outputs.length; i++) {
        values.set(node.outputs[i], outs[i]);
        masks.set(node.outputs[i], Array.isArray(outMask) ? (outMask[i] ?? null) : outMask);
      }
    }
    return this.outputs.map((o) => values.get(o)!);
  }

  call(inputs: Tensor | Tensor[], args: CallArgs): Tensor | Tensor[] {
    const outs = this.execute(Array.isArray(inputs) ? inputs : [inputs], args);
    return outs.length === 1 ? outs[0] : outs;
  }

  override computeOutputShape(): Shape | Shape[] {
    return this.outputs.length === 1 ? this.outputs[0].shape : this.outputs.map((o) => o.shape);
  }

  /** Trainable weights of every layer, then the non-trainable ones (TF.js's order). */
  override get weights(): Variable[] {
    return [...this.trainableWeights, ...this.nonTrainableWeights];
  }

  override get trainableWeights(): Variable[] {
    return this.trainable ? this.layers.flatMap((l) => l.trainableWeights) : [];
  }

  override get nonTrainableWeights(): Variable[] {
    return this.trainable
      ? this.layers.flatMap((l) => l.nonTrainableWeights)
      : this.layers.flatMap((l) => l.weights);
  }

  /** Names of the weights as saved (`<layer>/<weight>`), in `weights` order. @internal */
  weightNames(): string[] {
    const byVar = new Map<Variable, string>();
    for (const l of this.layers)
      for (const w of l.layerWeights) byVar.set(w.variable, w.originalName);
    return this.weights.map((v) => byVar.get(v)!);
  }

  override getWeights(): Tensor[] {
    return this.weights;
  }

  override setWeights(values: readonly Tensor[]): void {
    const ws = this.weights;
    if (values.length !== ws.length) {
      throw new Error(
        `${this.name}: setWeights expected ${ws.length} tensors, got ${values.length}`,
      );
    }
    const names = this.weightNames();
    ws.forEach((w, i) => {
      const v = values[i];
      if (v.shape.length !== w.shape.length || v.shape.some((d, j) => d !== w.shape[j])) {
        throw new Error(
          `${this.name}: weight '${names[i]}' has shape ${fmt(w.shape)}, got ${fmt(v.shape)}`,
        );
      }
    });
    for (let i = 0; i < ws.length; i++) ws[i].assign(values[i]);
    weightsChanged();
  }

  override countParams(): number {
    return this.layers.reduce((n, l) => n + l.countParams(), 0);
  }

  /** Sum of all layers' weight penalties, or null. @internal */
  override regularizationLoss(): Tensor | null {
    let total: Tensor | null = null;
    for (const l of this.layers) {
      const p = l.regularizationLoss();
      if (p !== null) total = total === null ? p : add(total, p);
    }
    return total;
  }

  /** Prints a Keras-style table of layers, output shapes and parameter counts. */
  summary(
    lineLength = 65,
    _positions?: number[],
    printFn: (line: string) => void = console.log,
  ): void {
    const cols = [Math.floor(lineLength * 0.45), Math.floor(lineLength * 0.33)];
    const row = (a: string, b: string, c: string) => {
      const pad = (s: string, n: number) =>
        s.length >= n ? `${s.slice(0, n - 1)} ` : s + ' '.repeat(n - s.length);
      return ` ${pad(a, cols[0])}${pad(b, cols[1])}${c}`;
    };
    printFn(`Model: "${this.name}"`);
    printFn('_'.repeat(lineLength));
    printFn(row('Layer (type)', 'Output Shape', 'Param #'));
    printFn('='.repeat(lineLength));
    const shown = this.layers.filter(
      (l) => !(l instanceof InputLayer) || this.getClassName() !== 'Sequential',
    );
    shown.forEach((l, i) => {
      const node = l.inboundNodes.find((n) => this.nodes.includes(n));
      const shapes = node?.outputs.map(
        (o) => `(${o.shape.map((d) => (d === null ? 'None' : String(d))).join(', ')})`,
      );
      printFn(
        row(`${l.name} (${l.getClassName()})`, shapes?.join(', ') ?? '?', String(l.countParams())),
      );
      if (i < shown.length - 1) printFn('');
    });
    const trainable = this.trainableWeights.reduce((n, w) => n + w.size, 0);
    const total = this.countParams();
    printFn('='.repeat(lineLength));
    printFn(`Total params: ${total.toLocaleString('en-US')}`);
    printFn(`Trainable params: ${trainable.toLocaleString('en-US')}`);
    printFn(`Non-trainable params: ${(total - trainable).toLocaleString('en-US')}`);
    printFn('_'.repeat(lineLength));
  }

  /** Keras config: layers with their inbound nodes, and the graph's inputs and outputs. */
  override getConfig(): Record<string, unknown> {
    const nodeKey = (s: SymbolicTensor): [string, number, number] => [
      s.sourceLayer.name,
      s.nodeIndex,
      s.tensorIndex,
    ];
    return {
      name: this.name,
      layers: this.layers.map((l) => ({
        name: l.name,
        className: l.getClassName(),
        config: l.getConfig(),
        inboundNodes: l.inboundNodes
          .filter((n) => this.nodes.includes(n) && n.inputs.length > 0)
          .map((n) => n.inputs.map((s) => [...nodeKey(s), {}])),
      })),
      inputLayers: this.inputs.map(nodeKey),
      outputLayers: this.outputs.map(nodeKey),
    };
  }

  /**
   * Saves the model in the TF.js LayersModel format: to `'file:///abs/dir'` (Node; writes
   * model.json and weights.bin) or through an IOHandler such as `io.withSaveHandler(fn)`.
   */
  async save(handlerOrUrl: IOHandler | string): Promise<SaveResult> {
    return saveModel(this, handlerOrUrl);
  }

  /** Frees every layer's weights (and the model's inference caches). */
  override dispose(): void {
    disposeFolds(this.foldPlan);
    this.foldPlan = null;
    for (const l of this.layers) l.dispose();
  }

  /** @internal builds a deferred Sequential graph from the data's shape. */
  protected prepare(_x: Tensor): void {}

  /** Sets the optimizer, loss and metrics for training. */
  compile(args: CompileArgs): void {
    this.compiled = compile(this, args);
  }

  /** The optimizer set by `compile`. */
  get optimizer(): Optimizer | undefined {
    return this.compiled?.optimizer;
  }

  /**
   * Trains for a number of epochs (Keras semantics) and resolves with the History. Prints a
   * Keras-style progress bar in Node with `verbose: 1`.
   */
  async fit(x: TensorLike, y: TensorLike, args: ModelFitArgs = {}): Promise<History> {
    if (isTensor(x)) this.prepare(x);
    return fit(this, this.compiled, x, y, args);
  }

  /** Loss then metrics on held-out data, as scalar tensors. */
  evaluate(x: TensorLike, y: TensorLike, args: { batchSize?: number } = {}): Tensor | Tensor[] {
    if (isTensor(x)) this.prepare(x);
    return evaluate(this, this.compiled, x, y, args);
  }

  /** Outputs for `x`, computed in batches in inference mode (dropout off). */
  predict(x: TensorLike, args: { batchSize?: number } = {}): Tensor {
    if (isTensor(x)) this.prepare(x);
    return predict(this, x, args);
  }

  /** One gradient step on one batch: the loss, or [loss, ...metrics]. */
  trainOnBatch(x: TensorLike, y: TensorLike): number | number[] {
    if (isTensor(x)) this.prepare(x);
    return trainOnBatch(this, this.compiled, x, y);
  }
}

/** Throws unless `x` fits a symbolic shape (batch dimension free). */
export function checkInputShape(owner: string, expected: Shape, x: Tensor): void {
  x.assertLive(owner);
  const ok = x.rank === expected.length && expected.every((d, i) => d === null || d === x.shape[i]);
  if (!ok) {
    throw new Error(`${owner}: expected input of shape ${fmtShape(expected)}, got ${fmt(x.shape)}`);
  }
}

/** Builds a functional model from symbolic inputs to outputs. */
export function model(args: ModelArgs): LayersModel {
  return new LayersModel(args);
}

/** Options of {@link sequential}. */
export interface SequentialArgs {
  layers?: Layer[];
  name?: string;
}

/** A linear stack of layers. The first layer needs `inputShape` (or call `build` later). */
export class Sequential extends LayersModel {
  static override readonly className = 'Sequential';
  private stack: Layer[] = [];

  constructor(args: SequentialArgs = {}) {
    super();
    (this as { name: string }).name = args.name ?? this.name;
    for (const l of args.layers ?? []) this.add(l);
  }

  override getClassName(): string {
    return 'Sequential';
  }

  /** As in Keras and TF.js, a Sequential model's `layers` leave out its input layer. */
  protected override setGraph(
    inputs: SymbolicTensor | SymbolicTensor[],
    outputs: SymbolicTensor | SymbolicTensor[],
  ): void {
    super.setGraph(inputs, outputs);
    this.layers = this.layers.filter((l) => !(l instanceof InputLayer));
  }

  /** Appends a layer. */
  add(layer: Layer): void {
    if (!(layer instanceof Layer))
      throw new Error(`${this.name}: add() takes a layer, got ${typeof layer}`);
    if (this.stack.includes(layer))
      throw new Error(`${this.name}: layer '${layer.name}' was already added`);
    this.stack.push(layer);
    if (this.outputs.length > 0) {
      this.rewire();
    } else if (this.stack.length === 1 && layer.batchInputShape !== undefined) {
      this.rewire();
    }
  }

  /** Removes the last layer. */
  pop(): void {
    if (this.stack.length === 0) throw new Error(`${this.name}: there is no layer to pop`);
    this.stack.pop();
    if (this.stack.length > 0) this.rewire();
  }

  /** Builds the graph for an input shape when the first layer did not declare one. */
  override build(inputShape?: Shape | Shape[]): void {
    if (this.outputs.length > 0) return;
    if (inputShape === undefined) throw new Error(`${this.name}: build needs an input shape`);
    this.rewire(inputShape as Shape);
  }

  /** @internal makes sure the graph exists, building it from a data shape if needed. */
  protected override prepare(x: Tensor): void {
    if (this.outputs.length === 0) {
      if (this.stack.length === 0) throw new Error(`${this.name}: the model has no layers`);
      this.rewire([null, ...x.shape.slice(1)]);
    }
  }

  private rewire(batchShape?: Shape): void {
    const first = this.stack[0];
    const shape = first.batchInputShape ?? batchShape;
    if (shape === undefined) return;
    let inputLayer: InputLayer;
    if (first instanceof InputLayer) {
      inputLayer = first;
    } else {
      const existing = this.inputs[0]?.sourceLayer;
      inputLayer =
        existing instanceof InputLayer && sameShape(existing.batchInputShape!, shape)
          ? existing
          : new InputLayer({ name: `${this.name}_input`, batchInputShape: shape });
    }
    // Re-apply the stack from the input (layers are built once and keep their weights).
    for (const l of this.stack) {
      if (l !== inputLayer) l.inboundNodes.length = 0;
    }
    let out: SymbolicTensor = inputLayer.output;
    for (const l of this.stack) {
      if (l === inputLayer) continue;
      out = l.apply(out) as SymbolicTensor;
    }
    this.setGraph(inputLayer.output, out);
  }

  override getConfig(): Record<string, unknown> {
    return {
      name: this.name,
      layers: this.stack
        .filter((l) => !(l instanceof InputLayer))
        .map((l, i) => {
          const config = l.getConfig();
          if (i === 0 && config.batchInputShape === undefined) {
            config.batchInputShape = this.inputs[0]?.shape;
            config.dtype = 'float32';
          }
          return { className: l.getClassName(), config };
        }),
    };
  }
}

function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** A linear stack of layers: `sequential({ layers: [dense(...), dense(...)] })`. */
export function sequential(args: SequentialArgs = {}): Sequential {
  return new Sequential(args);
}
