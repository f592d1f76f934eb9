// Reductions over axes (sum, mean, max, min, prod, argMax, argMin) and their gradients.
import { kernels } from '../backend.js';
import { engine } from '../engine.js';
import { empty, sameShape, type Tensor, view } from '../tensor.js';
import { checkDtype, fmt, normAxis, sizeOf } from '../util.js';
import { BinaryOp, binaryRaw, mul } from './binary.js';
import { type TensorLike, toTensor, zeros } from './creation.js';

enum ReduceOp {
  Sum = 0,
  Mean = 1,
  Max = 2,
  Min = 3,
  Prod = 4,
}

/** Which axes to reduce: one, several, or all (undefined). */
export type Axis = number | readonly number[] | undefined;

function axesOf(op: string, axis: Axis, rank: number): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : [...axis];
  const out = [...new Set(list.map((a) => normAxis(op, a, rank)))];
  return out.sort((a, b) => a - b);
}

function keptShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

/** Reduces `x` over `axes` with a kernel op (no recording); result has kept dims. */
function reduceRaw(op: ReduceOp, x: Tensor, axes: readonly number[]): Tensor {
  const k = kernels();
  const shape = x.shape;
  // Merge runs of adjacent reduced axes, then reduce one run at a time, innermost first.
  let cur = x;
  const curShape = shape.slice();
  const runs: [number, number][] = [];
  for (const a of axes) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last[1] === a) last[1] = a + 1;
    else runs.push([a, a + 1]);
  }
  if (runs.length === 0) {
    const out = empty(shape);
    kernels().scaleAdd(x.ptr, out.ptr, x.size, 1, 0);
    return out;
  }
  const total = axes.reduce((n, a) => n * shape[a], 1);
  for (let r = runs.length - 1; r >= 0; r--) {
    const [s, e] = runs[r];
    const outer = sizeOf(curShape.slice(0, s));
    const len = sizeOf(curShape.slice(s, e));
    const inner = sizeOf(curShape.slice(e));
    for (let i = s; i < e; i++) curShape[i] = 1;
    const out = empty(curShape.slice());
    // Mean is a sum per run, scaled once at the end so the order stays the same.
    k.reduce(op === ReduceOp.Mean ? ReduceOp.Sum : op, cur.ptr, out.ptr, outer, len, inner);
    if (cur !== x) cur.dispose();
    cur = out;
  }
  if (op === ReduceOp.Mean) {
    k.scaleAdd(cur.ptr, cur.ptr, cur.size, total === 0 ? Number.NaN : 1 / total, 0);
  }
  return cur;
}

function finish(
  out: Tensor,
  shape: readonly number[],
  axes: readonly number[],
  keepDims: boolean,
): Tensor {
  if (keepDims) return out;
  const s = shape.filter((_, i) => !axes.includes(i));
  const v = view(out, s);
  out.dispose();
  return v;
}

/** Broadcasts `x` to `shape` (a copy). @internal */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(x.shape, shape)) return x;
  const z = zeros(shape);
  const out = binaryRaw(BinaryOp.Add, 'broadcastTo', z, x);
  z.dispose();
  return out;
}

function reduction(
  op: ReduceOp,
  name: string,
  xl: TensorLike,
  axis: Axis,
  keepDims: boolean,
): Tensor {
  const x = toTensor(name, xl);
  checkDtype(name, 'float32', x);
  const axes = axesOf(name, axis, x.rank);
  const kept = reduceRaw(op, x, axes);
  const out = finish(kept, x.shape, axes, keepDims);
  if (engine.needsGrad([x])) {
    const kshape = keptShape(x.shape, axes);
    engine.record([x], [out], ([dy]) => {
      const dyk = view(dy, kshape);
      if (op === ReduceOp.Sum) return [broadcastTo(dyk, x.shape)];
      if (op === ReduceOp.Mean) {
        const n = axes.reduce((m, a) => m * x.shape[a], 1);
        const g = broadcastTo(dyk, x.shape);
        const scaled = empty(x.shape);
        kernels().scaleAdd(g.ptr, scaled.ptr, g.size, 1 / n, 0);
        return [scaled];
      }
      if (op === ReduceOp.Prod) {
        // d prod / dx_i = prod / x_i (inputs with zeros are rare in practice; TF does the same).
        const yk = view(out, kshape);
        return [mul(broadcastTo(dyk, x.shape), binaryRaw(BinaryOp.Div, 'prod', yk, x))];
      }
      // max / min: the gradient flows to every element equal to the extreme, as TF.
      const yk = view(out, kshape);
      const mask = binaryRaw(BinaryOp.Equal, name, x, yk);
      return [mul(mask, dyk)];
    });
  }
  return out;
}

/** Sum over `axis` (all axes when omitted). */
export function sum(x: TensorLike, axis?: Axis, keepDims = false): Tensor {
  return reduction(ReduceOp.Sum, 'sum', x, axis, keepDims);
}

/** Mean over `axis` (all axes when omitted). */
export function mean(x: TensorLike, axis?: Axis, keepDims = false): Tensor {
  return reduction(ReduceOp.Mean, 'mean', x, axis, keepDims);
}

/** Maximum over `axis` (all axes when omitted); NaN if any element is NaN. */
export function max(x: TensorLike, axis?: Axis, keepDims = false): Tensor {
  return reduction(ReduceOp.Max, 'max', x, axis, keepDims);
}

/** Minimum over `axis` (all axes when omitted); NaN if any element is NaN. */
export function min(x: TensorLike, axis?: Axis, keepDims = false): Tensor {
  return reduction(ReduceOp.Min, 'min', x, axis, keepDims);
}

/** Product over `axis` (all axes when omitted). */
export function prod(x: TensorLike, axis?: Axis, keepDims = false): Tensor {
  return reduction(ReduceOp.Prod, 'prod', x, axis, keepDims);
}

function argReduce(op: 0 | 1, name: string, xl: TensorLike, axis: number): Tensor {
  const x = toTensor(name, xl);
  checkDtype(name, 'float32', x);
  if (x.rank === 0) throw new Error(`${name}: input must have rank >= 1, got a scalar`);
  const a = normAxis(name, axis, x.rank);
  const outShape = x.shape.filter((_, i) => i !== a);
  const out = empty(outShape, 'int32');
  kernels().argReduce(
    op,
    x.ptr,
    out.ptr,
    sizeOf(x.shape.slice(0, a)),
    x.shape[a],
    sizeOf(x.shape.slice(a + 1)),
  );
  return out;
}

/** Index of the maximum along `axis` (default 0, as TF.js), int32; first index on ties. */
export function argMax(x: TensorLike, axis = 0): Tensor {
  return argReduce(0, 'argMax', x, axis);
}

/** Index of the minimum along `axis` (default 0, as TF.js), int32; first index on ties. */
export function argMin(x: TensorLike, axis = 0): Tensor {
  return argReduce(1, 'argMin', x, axis);
}

/**
 * Sums a broadcast gradient back to the shape of the operand it came from. @internal
 */
export function sumToShape(dy: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(dy.shape, shape)) return dy;
  const lead = dy.rank - shape.length;
  if (lead < 0) throw new Error(`sumToShape: ${fmt(dy.shape)} cannot reduce to ${fmt(shape)}`);
  const axes: number[] = [];
  for (let i = 0; i < dy.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && dy.shape[i] !== 1)) axes.push(i);
  }
  const kept = reduceRaw(ReduceOp.Sum, dy, axes);
  const v = view(kept, shape);
  kept.dispose();
  return v;
}
