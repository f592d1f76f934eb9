// Shape helpers and argument checks shared by the ops.
import type { DType, Tensor } from './tensor.js';

/** Formats a shape the way error messages show it: `[32,784]`. */
export function fmt(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

/** Row-major strides of a shape, in elements. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Checks that a shape is a list of non-negative integers; `op` names the caller. */
export function checkShape(op: string, shape: readonly number[]): void {
  if (!Array.isArray(shape))
    throw new TypeError(`${op}: shape must be an array, got ${typeof shape}`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new Error(`${op}: shape ${fmt(shape)} must hold non-negative integers`);
    }
  }
}

/** Throws unless every tensor is live and of the wanted dtype. */
export function checkDtype(op: string, want: DType, ...ts: Tensor[]): void {
  for (const t of ts) {
    t.assertLive(op);
    if (t.dtype !== want) {
      throw new Error(`${op}: expected ${want} tensors, got ${t.dtype} ${fmt(t.shape)}`);
    }
  }
}

/** Normalises a possibly negative axis against a rank. */
export function normAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= Math.max(rank, 1)) {
    throw new Error(`${op}: axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** NumPy broadcasting of two shapes; the error names the op and both shapes. */
export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${op}: shapes ${fmt(a)} and ${fmt(b)} cannot be broadcast together`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Strides of `shape` read as if broadcast to `out` (0 along broadcast dimensions), then the
 * dimensions merged wherever both operands stay contiguous, so kernels see a small rank.
 */
export function broadcastPlan(
  out: readonly number[],
  a: readonly number[],
  b: readonly number[],
): { shape: number[]; aStrides: number[]; bStrides: number[] } {
  const rank = out.length;
  const sa = padStrides(a, rank, out);
  const sb = padStrides(b, rank, out);
  const shape: number[] = [];
  const aS: number[] = [];
  const bS: number[] = [];
  for (let i = 0; i < rank; i++) {
    if (out[i] === 1) continue;
    const last = shape.length - 1;
    if (last >= 0 && aS[last] === sa[i] * out[i] && bS[last] === sb[i] * out[i]) {
      shape[last] *= out[i];
      aS[last] = sa[i];
      bS[last] = sb[i];
    } else {
      shape.push(out[i]);
      aS.push(sa[i]);
      bS.push(sb[i]);
    }
  }
  if (shape.length === 0) return { shape: [1], aStrides: [0], bStrides: [0] };
  return { shape, aStrides: aS, bStrides: bS };
}

function padStrides(shape: readonly number[], rank: number, out: readonly number[]): number[] {
  const strides = stridesOf(shape);
  const res = new Array<number>(rank).fill(0);
  for (let i = 0; i < shape.length; i++) {
    const j = rank - shape.length + i;
    res[j] = shape[i] === 1 && out[j] !== 1 ? 0 : strides[i];
  }
  return res;
}

/** Parses a size-2 argument given as a number or a pair (strides, pool sizes). */
export function pair(
  op: string,
  name: string,
  v: number | readonly [number, number],
): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (!Number.isInteger(p[0]) || !Number.isInteger(p[1]) || p[0] < 1 || p[1] < 1) {
    throw new Error(`${op}: ${name} must be positive integers, got ${JSON.stringify(v)}`);
  }
  return p;
}
