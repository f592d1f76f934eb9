// Training losses with Keras semantics: each maps (yTrue, yPred) to one value per example
// (shape: yPred without its last axis). They compose Zoo ops, so autograd differentiates them.
import { tidy } from '../engine.js';
import { add, div, maximum, minimum, mul, neg, squaredDifference, sub } from '../ops/binary.js';
import { oneHot, tensor } from '../ops/creation.js';
import { mean, sum } from '../ops/reduce.js';
import { cast } from '../ops/shape.js';
import {
  softmaxCrossEntropyWithLogits,
  sparseSoftmaxCrossEntropyWithLogits,
} from '../ops/softmax.js';
import { abs, log, softplus } from '../ops/unary.js';
import type { Tensor } from '../tensor.js';
import { fmt } from '../util.js';

/**
 * A per-example loss: `yTrue` and `yPred` in, one value per example out (Keras reduces the
 * last axis, so `[batch, units]` gives `[batch]`). The model averages it over the batch.
 */
export type LossFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

/** Keras's fuzz factor: probabilities are clipped to `[EPSILON, 1 - EPSILON]`. */
export const EPSILON = 1e-7;

function asFloat(t: Tensor): Tensor {
  return t.dtype === 'float32' ? t : cast(t, 'float32');
}

function checkSameShape(op: string, yTrue: Tensor, yPred: Tensor): void {
  yTrue.assertLive(op);
  yPred.assertLive(op);
  if (yTrue.rank !== yPred.rank || yTrue.shape.some((d, i) => d !== yPred.shape[i])) {
    throw new Error(
      `${op}: yTrue ${fmt(yTrue.shape)} and yPred ${fmt(yPred.shape)} must have the same shape`,
    );
  }
}

function clipProbs(p: Tensor): Tensor {
  return minimum(maximum(p, EPSILON), 1 - EPSILON);
}

/**
 * Categorical cross-entropy on probabilities (one-hot or soft `yTrue`, same shape as
 * `yPred`): `yPred` is scaled so each row sums to 1, clipped to `[1e-7, 1 - 1e-7]`, then
 * `-sum(yTrue * log(yPred))` over the last axis, as Keras and TF.js.
 */
export function categoricalCrossentropy(yTrue: Tensor, yPred: Tensor): Tensor {
  const op = 'categoricalCrossentropy';
  checkSameShape(op, yTrue, yPred);
  return tidy(() => {
    const last = yPred.rank - 1;
    const p = clipProbs(div(yPred, sum(yPred, last, true)));
    return neg(sum(mul(asFloat(yTrue), log(p)), last));
  });
}

/**
 * Reads sparse labels (int32 or float class ids of shape `yPred.shape[:-1]`, or with a
 * trailing 1) into an int32 tensor of shape `yPred.shape[:-1]`; floats are floored as TF.js.
 * A label outside `[0, classes)` is an error naming it.
 */
function sparseLabels(op: string, yTrue: Tensor, yPred: Tensor): Tensor {
  yTrue.assertLive(op);
  yPred.assertLive(op);
  if (yPred.rank < 1) throw new Error(`${op}: yPred must have a class axis, got a scalar`);
  const outer = yPred.shape.slice(0, -1);
  const classes = yPred.shape[yPred.rank - 1];
  const t = yTrue.shape;
  const plain = t.length === outer.length && t.every((d, i) => d === outer[i]);
  const trailing =
    t.length === outer.length + 1 && t[t.length - 1] === 1 && outer.every((d, i) => d === t[i]);
  if (!plain && !trailing) {
    throw new Error(
      `${op}: sparse labels ${fmt(t)} must have shape ${fmt(outer)} or ${fmt([...outer, 1])} for predictions ${fmt(yPred.shape)}`,
    );
  }
  const raw = yTrue.dataSync();
  const ids = new Int32Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i];
    const id = Math.floor(v);
    if (!(id >= 0 && id < classes)) {
      throw new Error(
        `${op}: label ${v} of example ${i} is outside [0, ${classes}) (predictions have ${classes} classes)`,
      );
    }
    ids[i] = id;
  }
  return tensor(ids, outer, 'int32');
}

/**
 * Categorical cross-entropy with integer class ids (`[batch]` or `[batch, 1]`, int32 or
 * float) against probabilities `[batch, classes]`, as Keras: the ids are one-hot encoded and
 * {@link categoricalCrossentropy} applied (after clipping, as TF.js).
 */
export function sparseCategoricalCrossentropy(yTrue: Tensor, yPred: Tensor): Tensor {
  const op = 'sparseCategoricalCrossentropy';
  return tidy(() => {
    const ids = sparseLabels(op, yTrue, yPred);
    const target = oneHot(ids, yPred.shape[yPred.rank - 1]);
    return categoricalCrossentropy(target, clipProbs(yPred));
  });
}

/**
 * Binary cross-entropy on probabilities, averaged over the last axis: `yPred` clipped to
 * `[1e-7, 1 - 1e-7]`, then `mean(-(yTrue * log(yPred) + (1 - yTrue) * log(1 - yPred)))`.
 */
export function binaryCrossentropy(yTrue: Tensor, yPred: Tensor): Tensor {
  const op = 'binaryCrossentropy';
  checkSameShape(op, yTrue, yPred);
  return tidy(() => {
    const z = asFloat(yTrue);
    const p = clipProbs(yPred);
    const pos = mul(z, log(p));
    const negPart = mul(sub(1, z), log(sub(1, p)));
    return neg(mean(add(pos, negPart), yPred.rank - 1));
  });
}

/** Mean of `(yPred - yTrue)^2` over the last axis. */
export function meanSquaredError(yTrue: Tensor, yPred: Tensor): Tensor {
  checkSameShape('meanSquaredError', yTrue, yPred);
  return tidy(() => mean(squaredDifference(yPred, asFloat(yTrue)), yPred.rank - 1));
}

/** Mean of `|yPred - yTrue|` over the last axis. */
export function meanAbsoluteError(yTrue: Tensor, yPred: Tensor): Tensor {
  checkSameShape('meanAbsoluteError', yTrue, yPred);
  return tidy(() => mean(abs(sub(yPred, asFloat(yTrue))), yPred.rank - 1));
}

/**
 * Categorical cross-entropy of `softmax(logits)`, fused (one kernel, stable for any
 * logits). Use it instead of softmax + {@link categoricalCrossentropy} when the model can
 * drop its final softmax; equal to it wherever the probabilities are not clipped.
 */
export function categoricalCrossentropyFromLogits(yTrue: Tensor, logits: Tensor): Tensor {
  checkSameShape('categoricalCrossentropyFromLogits', yTrue, logits);
  return tidy(() => softmaxCrossEntropyWithLogits(asFloat(yTrue), logits));
}

/**
 * Sparse categorical cross-entropy of `softmax(logits)`, fused. Labels as
 * {@link sparseCategoricalCrossentropy}.
 */
export function sparseCategoricalCrossentropyFromLogits(yTrue: Tensor, logits: Tensor): Tensor {
  const op = 'sparseCategoricalCrossentropyFromLogits';
  return tidy(() => sparseSoftmaxCrossEntropyWithLogits(sparseLabels(op, yTrue, logits), logits));
}

/**
 * Binary cross-entropy of `sigmoid(logits)`, averaged over the last axis, in the stable form
 * `max(x, 0) - x * z + log1p(exp(-|x|))` (no clipping). The first and last terms are
 * `softplus(x)`, one stable kernel whose gradient `sigmoid(x)` is exact at `x = 0` too, so
 * the gradient is `sigmoid(x) - z` everywhere.
 */
export function binaryCrossentropyFromLogits(yTrue: Tensor, logits: Tensor): Tensor {
  checkSameShape('binaryCrossentropyFromLogits', yTrue, logits);
  return tidy(() => mean(sub(softplus(logits), mul(logits, asFloat(yTrue))), logits.rank - 1));
}

/** Canonical loss names (camelCase) and their functions. */
const LOSSES: Record<string, LossFn> = {
  categoricalCrossentropy,
  sparseCategoricalCrossentropy,
  binaryCrossentropy,
  meanSquaredError,
  meanAbsoluteError,
  categoricalCrossentropyFromLogits,
  sparseCategoricalCrossentropyFromLogits,
  binaryCrossentropyFromLogits,
};
// Minifiers rename functions; training recognises the built-in losses by `name`, so pin it.
for (const [name, fn] of Object.entries(LOSSES)) Object.defineProperty(fn, 'name', { value: name });

/** Short aliases, matched case-insensitively. */
const ALIASES: Record<string, string> = {
  mse: 'meanSquaredError',
  mae: 'meanAbsoluteError',
};

/** camelCase of a snake_case name (`mean_squared_error` → `meanSquaredError`). */
function camel(name: string): string {
  return name.replace(/_([a-z0-9])/gi, (_, c: string) => c.toUpperCase());
}

/**
 * The canonical (camelCase) name of a loss identifier, or undefined if unknown. Accepts
 * camelCase (`meanSquaredError`), snake_case (`mean_squared_error`) and the aliases
 * `mse`/`MSE`, `mae`/`MAE`.
 */
export function canonicalLossName(identifier: string): string | undefined {
  const alias = ALIASES[identifier.toLowerCase()];
  if (alias !== undefined) return alias;
  const c = camel(identifier);
  return Object.hasOwn(LOSSES, c) ? c : undefined;
}

/**
 * Resolves a loss: a function is returned as is; a name (camelCase, snake_case, or an
 * alias such as `'mse'`) gives the built-in loss. Unknown names throw
 * `Unknown loss 'xyz'; expected one of ...`.
 */
export function getLoss(identifier: string | LossFn): LossFn {
  if (typeof identifier === 'function') return identifier;
  if (typeof identifier !== 'string') {
    throw new TypeError(`getLoss: expected a loss name or function, got ${typeof identifier}`);
  }
  const name = canonicalLossName(identifier);
  if (name === undefined) {
    throw new Error(
      `Unknown loss '${identifier}'; expected one of ${[...Object.keys(LOSSES), ...Object.keys(ALIASES)].join(', ')} (or their snake_case names), or a function`,
    );
  }
  return LOSSES[name];
}

/**
 * The fused from-logits twin of a probability loss (categorical, sparse categorical and
 * binary cross-entropy), or undefined for other losses. A model whose last activation is
 * softmax (sigmoid for binary) can feed the pre-activation values to the twin instead.
 */
export function fromLogitsVariant(loss: LossFn): LossFn | undefined {
  if (loss === categoricalCrossentropy) return categoricalCrossentropyFromLogits;
  if (loss === sparseCategoricalCrossentropy) return sparseCategoricalCrossentropyFromLogits;
  if (loss === binaryCrossentropy) return binaryCrossentropyFromLogits;
  return undefined;
}
