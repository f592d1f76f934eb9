// Softmax, log-softmax, and softmax fused with cross-entropy (forward and backward kernels).
import { heap, kernels } from '../backend.js';
import { engine } from '../engine.js';
import { empty, type Tensor } from '../tensor.js';
import { checkDtype, fmt, normAxis } from '../util.js';
import { type TensorLike, toTensor } from './creation.js';

function rowsCols(op: string, x: Tensor, dim: number): [number, number] {
  if (x.rank === 0) throw new Error(`${op}: input must have rank >= 1, got a scalar`);
  const d = normAxis(op, dim, x.rank);
  if (d !== x.rank - 1) {
    throw new Error(
      `${op}: only the last axis is supported (as TF.js), got dim ${dim} of ${fmt(x.shape)}`,
    );
  }
  const cols = x.shape[x.rank - 1];
  return [cols === 0 ? 0 : x.size / cols, cols];
}

/** exp(x) / sum(exp(x)) over the last axis, computed stably. */
export function softmax(xl: TensorLike, dim = -1): Tensor {
  const x = toTensor('softmax', xl);
  checkDtype('softmax', 'float32', x);
  const [rows, cols] = rowsCols('softmax', x, dim);
  const out = empty(x.shape);
  kernels().softmax(x.ptr, out.ptr, rows, cols);
  if (engine.needsGrad([x])) {
    engine.record([x], [out], ([dy]) => {
      const dx = empty(x.shape);
      kernels().softmaxBackward(out.ptr, dy.ptr, dx.ptr, rows, cols);
      return [dx];
    });
  }
  return out;
}

/** x - log(sum(exp(x))) over the last axis, computed stably. */
export function logSoftmax(xl: TensorLike, dim = -1): Tensor {
  const x = toTensor('logSoftmax', xl);
  checkDtype('logSoftmax', 'float32', x);
  const [rows, cols] = rowsCols('logSoftmax', x, dim);
  const out = empty(x.shape);
  kernels().logSoftmax(x.ptr, out.ptr, rows, cols);
  if (engine.needsGrad([x])) {
    engine.record([x], [out], ([dy]) => {
      const dx = empty(x.shape);
      kernels().logSoftmaxBackward(out.ptr, dy.ptr, dx.ptr, rows, cols);
      return [dx];
    });
  }
  return out;
}

/**
 * Per-example cross-entropy of softmax(logits) against `labels` (one-hot or soft, same shape):
 * -sum(labels * logSoftmax(logits)) over the last axis. Softmax and the loss run fused; the
 * gradient with respect to the logits is probs * sum(labels) - labels.
 */
export function softmaxCrossEntropyWithLogits(
  labelsLike: TensorLike,
  logitsLike: TensorLike,
): Tensor {
  const op = 'softmaxCrossEntropy';
  const labels = toTensor(op, labelsLike, 'labels');
  const logits = toTensor(op, logitsLike, 'logits');
  checkDtype(op, 'float32', labels, logits);
  if (labels.rank !== logits.rank || labels.shape.some((d, i) => d !== logits.shape[i])) {
    throw new Error(
      `${op}: labels ${fmt(labels.shape)} and logits ${fmt(logits.shape)} must have the same shape`,
    );
  }
  const [rows, cols] = rowsCols(op, logits, -1);
  const loss = empty(logits.shape.slice(0, -1));
  const record = engine.needsGrad([logits]);
  const probs = record ? empty(logits.shape) : null;
  kernels().softmaxCrossEntropy(logits.ptr, labels.ptr, loss.ptr, probs?.ptr ?? 0, rows, cols);
  if (record && probs !== null) {
    engine.record(
      [labels, logits],
      [loss],
      ([dloss]) => {
        const dlogits = empty(logits.shape);
        kernels().softmaxCrossEntropyBackward(
          probs.ptr,
          labels.ptr,
          dloss.ptr,
          dlogits.ptr,
          rows,
          cols,
        );
        return [null, dlogits];
      },
      [probs],
    );
  }
  return loss;
}

/**
 * Per-example cross-entropy of softmax(logits) against int32 class ids (shape: logits without
 * the last axis). An id outside [0, classes) is an error naming it.
 */
export function sparseSoftmaxCrossEntropyWithLogits(
  labelsLike: TensorLike,
  logitsLike: TensorLike,
): Tensor {
  const op = 'sparseSoftmaxCrossEntropy';
  const labels = toTensor(op, labelsLike, 'labels');
  const logits = toTensor(op, logitsLike, 'logits');
  checkDtype(op, 'float32', logits);
  if (labels.dtype !== 'int32') {
    throw new Error(
      `${op}: labels must be int32 class ids, got ${labels.dtype} ${fmt(labels.shape)}`,
    );
  }
  const [rows, cols] = rowsCols(op, logits, -1);
  if (labels.size !== rows || labels.rank !== logits.rank - 1) {
    throw new Error(
      `${op}: labels ${fmt(labels.shape)} must have shape ${fmt(logits.shape.slice(0, -1))} for logits ${fmt(logits.shape)}`,
    );
  }
  const loss = empty(logits.shape.slice(0, -1));
  const record = engine.needsGrad([logits]);
  const probs = record ? empty(logits.shape) : null;
  const bad = kernels().sparseSoftmaxCrossEntropy(
    logits.ptr,
    labels.ptr,
    loss.ptr,
    probs?.ptr ?? 0,
    rows,
    cols,
  );
  if (bad >= 0) {
    const v = heap().i32[(labels.ptr >> 2) + bad];
    loss.dispose();
    probs?.dispose();
    throw new Error(`${op}: label ${v} of example ${bad} is outside [0, ${cols})`);
  }
  if (record && probs !== null) {
    engine.record(
      [labels, logits],
      [loss],
      ([dloss]) => {
        const dlogits = empty(logits.shape);
        kernels().sparseSoftmaxCrossEntropyBackward(
          probs.ptr,
          labels.ptr,
          dloss.ptr,
          dlogits.ptr,
          rows,
          cols,
        );
        return [null, dlogits];
      },
      [probs],
    );
  }
  return loss;
}
