// Training metrics with Keras semantics: each maps (yTrue, yPred) to one value per example;
// the model averages them over an epoch, weighted by batch size. They are not meant to be
// differentiated (the accuracies go through comparisons, which have no gradient).
import { tidy } from '../engine.js';
import { equal, greater } from '../ops/compare.js';
import { argMax, mean } from '../ops/reduce.js';
import { cast, reshape } from '../ops/shape.js';
import type { Tensor } from '../tensor.js';
import { fmt } from '../util.js';
import {
  binaryCrossentropy,
  binaryCrossentropyFromLogits,
  canonicalLossName,
  categoricalCrossentropy,
  getLoss,
  type LossFn,
  meanAbsoluteError,
  meanSquaredError,
  sparseCategoricalCrossentropy,
  sparseCategoricalCrossentropyFromLogits,
} from './losses.js';

/** A per-example metric: `(yTrue, yPred)` → one value per example (`[batch]`). */
export type MetricFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

function asFloat(t: Tensor): Tensor {
  return t.dtype === 'float32' ? t : cast(t, 'float32');
}

/** Fraction of the last axis where `yPred > 0.5` equals `yTrue` (0 or 1), per example. */
export function binaryAccuracy(yTrue: Tensor, yPred: Tensor): Tensor {
  return tidy(() => mean(equal(asFloat(yTrue), greater(yPred, 0.5)), yPred.rank - 1));
}

/** 1 where `argMax(yTrue)` equals `argMax(yPred)` over the last axis, else 0, per example. */
export function categoricalAccuracy(yTrue: Tensor, yPred: Tensor): Tensor {
  return tidy(() => {
    const t = cast(argMax(asFloat(yTrue), -1), 'float32');
    const p = cast(argMax(yPred, -1), 'float32');
    return equal(t, p);
  });
}

/**
 * 1 where the class id `yTrue` (`[batch]` or `[batch, 1]`, int32 or float) equals
 * `argMax(yPred)` over the last axis, else 0, per example.
 */
export function sparseCategoricalAccuracy(yTrue: Tensor, yPred: Tensor): Tensor {
  return tidy(() => {
    let labels = yTrue;
    if (labels.rank === yPred.rank) {
      if (labels.shape[labels.rank - 1] !== 1) {
        throw new Error(
          `sparseCategoricalAccuracy: sparse labels ${fmt(yTrue.shape)} must have a last dimension of 1 for predictions ${fmt(yPred.shape)}`,
        );
      }
      labels = reshape(labels, labels.shape.slice(0, -1));
    }
    const p = cast(argMax(yPred, -1), 'float32');
    return equal(asFloat(labels), p);
  });
}

/** Mean of `(yPred - yTrue)^2` over the last axis (the loss of the same name). */
export const mse: MetricFn = meanSquaredError;
/** Mean of `|yPred - yTrue|` over the last axis (the loss of the same name). */
export const mae: MetricFn = meanAbsoluteError;
export { meanAbsoluteError, meanSquaredError };

/** Canonical metric names (camelCase) and their functions. */
const METRICS: Record<string, MetricFn> = {
  binaryAccuracy,
  categoricalAccuracy,
  sparseCategoricalAccuracy,
  meanSquaredError,
  meanAbsoluteError,
};

const ALIASES: Record<string, string> = {
  mse: 'meanSquaredError',
  mae: 'meanAbsoluteError',
};

/** A metric resolved for one model output: the name logs and history use, and the function. */
export interface ResolvedMetric {
  /** Key in logs and history (`'accuracy'`, `'acc'`, `'mse'`, or the function's name). */
  name: string;
  /** The per-example metric. */
  fn: MetricFn;
}

function camel(name: string): string {
  return name.replace(/_([a-z0-9])/gi, (_, c: string) => c.toUpperCase());
}

function lossKind(loss: string | LossFn | undefined): 'binary' | 'sparse' | 'other' {
  if (loss === undefined) return 'other';
  if (typeof loss === 'function') {
    if (loss === binaryCrossentropy || loss === binaryCrossentropyFromLogits) return 'binary';
    if (loss === sparseCategoricalCrossentropy || loss === sparseCategoricalCrossentropyFromLogits)
      return 'sparse';
    return 'other';
  }
  const name = canonicalLossName(loss);
  if (name === 'binaryCrossentropy' || name === 'binaryCrossentropyFromLogits') return 'binary';
  if (
    name === 'sparseCategoricalCrossentropy' ||
    name === 'sparseCategoricalCrossentropyFromLogits'
  )
    return 'sparse';
  return 'other';
}

/**
 * Resolves a metric identifier for a model output, with Keras's rule for `'accuracy'` /
 * `'acc'` (and `'crossentropy'` / `'ce'`): binary if the loss is binary cross-entropy or the
 * output has one unit (last dimension of `outputShape` is 1), sparse categorical if the loss
 * is sparse categorical cross-entropy, categorical otherwise. Other names (camelCase,
 * snake_case, `mse`/`MSE`, `mae`/`MAE`, or any loss name) map to the function of that name;
 * the log name is the identifier as given. A function keeps its own `name`.
 *
 * @param identifier the metric as passed to `compile()`.
 * @param loss the output's loss (name or function), if any.
 * @param outputShape the output's shape (batch dimension may be null).
 */
export function resolveMetric(
  identifier: string | MetricFn,
  loss?: string | LossFn,
  outputShape?: readonly (number | null)[],
): ResolvedMetric {
  if (typeof identifier === 'function') {
    return { name: identifier.name || 'metric', fn: identifier };
  }
  if (typeof identifier !== 'string') {
    throw new TypeError(
      `resolveMetric: expected a metric name or function, got ${typeof identifier}`,
    );
  }
  const accuracy = identifier === 'accuracy' || identifier === 'acc';
  const crossentropy = identifier === 'crossentropy' || identifier === 'ce';
  if (accuracy || crossentropy) {
    const kind = lossKind(loss);
    const units = outputShape?.[outputShape.length - 1];
    let fn: MetricFn;
    if (kind === 'binary' || units === 1) {
      fn = accuracy ? binaryAccuracy : binaryCrossentropy;
    } else if (kind === 'sparse') {
      fn = accuracy ? sparseCategoricalAccuracy : sparseCategoricalCrossentropy;
    } else {
      fn = accuracy ? categoricalAccuracy : categoricalCrossentropy;
    }
    return { name: identifier, fn };
  }
  const alias = ALIASES[identifier.toLowerCase()];
  const c = alias ?? camel(identifier);
  if (Object.hasOwn(METRICS, c)) return { name: identifier, fn: METRICS[c] };
  if (canonicalLossName(identifier) !== undefined) {
    return { name: identifier, fn: getLoss(identifier) };
  }
  throw new Error(
    `Unknown metric '${identifier}'; expected one of accuracy, acc, crossentropy, ce, ${[...Object.keys(METRICS), ...Object.keys(ALIASES)].join(', ')}, a loss name, or a function`,
  );
}
