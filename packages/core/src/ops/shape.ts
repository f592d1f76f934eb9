// Reshaping and moving data: reshape, transpose, slice, concat, gather, pad, cast, ...
import { heap, kernels, writeArgs } from '../backend.js';
import { engine } from '../engine.js';
import { type DType, empty, type Tensor, view } from '../tensor.js';
import { checkShape, fmt, normAxis, sizeOf, stridesOf } from '../util.js';
import { type TensorLike, toTensor } from './creation.js';

/** The shape kernels take 1 <= rank <= 8 (their scratch holds 8 entries per array). */
const KERNEL_MAX_RANK = 8;

/**
 * Merges each axis an op leaves whole into the axis outside it (a slice, pad or tile of whole
 * rows is the same op on longer rows), so the kernels see the smallest rank. `scaled[j][k]` are
 * per-axis numbers in units of the axis's elements (begin and size, before and after), which
 * scale with the merged length; `kept[j][k]` are per-axis numbers that do not (reps). Needs
 * rank >= 1 (callers copy scalars themselves). @internal
 */
function mergeAxes(
  op: string,
  shape: readonly number[],
  whole: (k: number) => boolean,
  scaled: readonly (readonly number[])[],
  kept: readonly (readonly number[])[] = [],
): { shape: number[]; scaled: number[][]; kept: number[][] } {
  const outShape: number[] = [];
  const outScaled: number[][] = scaled.map(() => []);
  const outKept: number[][] = kept.map(() => []);
  for (let k = 0; k < shape.length; k++) {
    const last = outShape.length - 1;
    if (last >= 0 && whole(k)) {
      outShape[last] *= shape[k];
      for (const a of outScaled) a[last] *= shape[k];
      continue;
    }
    outShape.push(shape[k]);
    for (let j = 0; j < scaled.length; j++) outScaled[j].push(scaled[j][k]);
    for (let j = 0; j < kept.length; j++) outKept[j].push(kept[j][k]);
  }
  checkKernelRank(op, shape, outShape.length);
  return { shape: outShape, scaled: outScaled, kept: outKept };
}

function checkKernelRank(op: string, shape: readonly number[], rank: number): void {
  if (rank > KERNEL_MAX_RANK) {
    throw new Error(
      `${op}: ${fmt(shape)} needs a kernel of rank ${rank} after merging axes; at most ${KERNEL_MAX_RANK} is supported`,
    );
  }
}

/** Copies all of x into out (same size). */
function copyAll(x: Tensor, out: Tensor): void {
  if (x.size > 0) kernels().copyBlock(x.ptr, out.ptr, 1, x.size, x.size, x.size);
}

/** The same values in a new shape (one dimension may be -1 and is inferred). Shares memory. */
export function reshape(xl: TensorLike, shape: readonly number[]): Tensor {
  const x = toTensor('reshape', xl);
  const inferred = shape.indexOf(-1);
  let target = shape.slice();
  if (inferred >= 0) {
    const rest = sizeOf(shape.filter((_, i) => i !== inferred));
    if (rest === 0 || x.size % rest !== 0 || shape.indexOf(-1, inferred + 1) >= 0) {
      throw new Error(
        `reshape: cannot reshape ${fmt(x.shape)} (${x.size} values) into ${fmt(shape)}`,
      );
    }
    target[inferred] = x.size / rest;
  }
  checkShape('reshape', target);
  if (sizeOf(target) !== x.size) {
    throw new Error(
      `reshape: cannot reshape ${fmt(x.shape)} (${x.size} values) into ${fmt(shape)} (${sizeOf(target)} values)`,
    );
  }
  target = target.slice();
  const out = view(x, target);
  if (engine.needsGrad([x])) engine.record([x], [out], ([dy]) => [view(dy, x.shape)]);
  return out;
}

/** Inserts a dimension of size 1 at `axis`. */
export function expandDims(x: TensorLike, axis = 0): Tensor {
  const t = toTensor('expandDims', x);
  if (!Number.isInteger(axis) || axis < -(t.rank + 1) || axis > t.rank) {
    throw new Error(
      `expandDims: axis ${axis} is out of range for a tensor of rank ${t.rank} (must be in [${-(t.rank + 1)}, ${t.rank}])`,
    );
  }
  const a = axis < 0 ? axis + t.rank + 1 : axis;
  const s = t.shape.slice();
  s.splice(a, 0, 1);
  return reshape(t, s);
}

/** Removes dimensions of size 1 (all of them, or those in `axis`). */
export function squeeze(x: TensorLike, axis?: readonly number[]): Tensor {
  const t = toTensor('squeeze', x);
  const axes = axis?.map((a) => normAxis('squeeze', a, t.rank));
  for (const a of axes ?? []) {
    if (t.shape[a] !== 1) throw new Error(`squeeze: dimension ${a} of ${fmt(t.shape)} is not 1`);
  }
  return reshape(
    t,
    t.shape.filter((d, i) => (axes ? !axes.includes(i) : d !== 1)),
  );
}

/** Permutes the dimensions (reverses them when `perm` is omitted), as TF. */
export function transpose(xl: TensorLike, perm?: readonly number[]): Tensor {
  const x = toTensor('transpose', xl);
  const rank = x.rank;
  const p = perm
    ? perm.map((a) => normAxis('transpose', a, rank))
    : x.shape.map((_, i) => rank - 1 - i);
  if (p.length !== rank || new Set(p).size !== rank) {
    throw new Error(
      `transpose: perm ${fmt(perm ?? [])} is not a permutation of the ${rank} axes of ${fmt(x.shape)}`,
    );
  }
  const outShape = p.map((a) => x.shape[a]);
  const identity = p.every((a, i) => a === i);
  const out = identity ? view(x, outShape) : empty(outShape, x.dtype);
  if (!identity && x.size > 0) transposeInto(x, out, p);
  if (engine.needsGrad([x])) {
    const inv = new Array<number>(rank);
    for (let i = 0; i < rank; i++) inv[p[i]] = i;
    engine.record([x], [out], ([dy]) => [transpose(dy, inv)]);
  }
  return out;
}

/**
 * Runs the transpose kernel on the smallest equivalent problem: size-1 axes dropped, and axes
 * that stay adjacent and in order under the permutation merged.
 */
function transposeInto(x: Tensor, out: Tensor, perm: readonly number[]): void {
  const live = x.shape.map((d, a) => (d === 1 ? -1 : a)).filter((a) => a >= 0);
  const p = perm.filter((a) => x.shape[a] !== 1).map((a) => live.indexOf(a));
  // Runs of consecutive input axes in output order, each a merged axis.
  const runs: number[][] = [];
  for (const a of p) {
    const run = runs[runs.length - 1];
    if (run !== undefined && run[run.length - 1] === a - 1) run.push(a);
    else runs.push([a]);
  }
  if (runs.length <= 1) {
    copyAll(x, out);
    return;
  }
  const byInput = runs.slice().sort((u, v) => u[0] - v[0]);
  const shape = byInput.map((run) => run.reduce((n, a) => n * x.shape[live[a]], 1));
  const mergedPerm = runs.map((run) => byInput.indexOf(run));
  checkKernelRank('transpose', x.shape, shape.length);
  kernels().transpose(x.ptr, out.ptr, shape.length, writeArgs(shape, 0), writeArgs(mergedPerm, 16));
}

/** A slice: `size[i]` elements from `begin[i]` along each axis (-1 means to the end). */
export function slice(
  xl: TensorLike,
  begin: number | readonly number[],
  size?: number | readonly number[],
): Tensor {
  const x = toTensor('slice', xl);
  const rank = x.rank;
  const b = typeof begin === 'number' ? [begin] : begin.slice();
  while (b.length < rank) b.push(0);
  const s: number[] = size === undefined ? [] : typeof size === 'number' ? [size] : size.slice();
  while (s.length < rank) s.push(-1);
  for (let i = 0; i < rank; i++) {
    if (s[i] === -1) s[i] = x.shape[i] - b[i];
    if (
      !Number.isInteger(b[i]) ||
      !Number.isInteger(s[i]) ||
      b[i] < 0 ||
      s[i] < 0 ||
      b[i] + s[i] > x.shape[i]
    ) {
      throw new Error(
        `slice: begin ${fmt(b)} with size ${fmt(s)} does not fit in ${fmt(x.shape)} (axis ${i})`,
      );
    }
  }
  if (b.length !== rank || s.length !== rank) {
    throw new Error(`slice: begin and size need ${rank} entries for ${fmt(x.shape)}`);
  }
  const out = empty(s, x.dtype);
  if (out.size > 0 && rank === 0) {
    copyAll(x, out);
  } else if (out.size > 0) {
    const m = mergeAxes('slice', x.shape, (k) => b[k] === 0 && s[k] === x.shape[k], [b, s]);
    const [mb, ms] = m.scaled;
    kernels().slice(
      x.ptr,
      out.ptr,
      m.shape.length,
      writeArgs(m.shape, 0),
      writeArgs(mb, 16),
      writeArgs(ms, 32),
    );
  }
  if (engine.needsGrad([x])) {
    engine.record([x], [out], ([dy]) => {
      const after = x.shape.map((d, i) => d - b[i] - s[i]);
      return [padRaw(dy, b, after, 0)];
    });
  }
  return out;
}

function padRaw(
  x: Tensor,
  before: readonly number[],
  after: readonly number[],
  value: number,
): Tensor {
  const shape = x.shape.map((d, i) => d + before[i] + after[i]);
  const out = empty(shape, x.dtype);
  if (out.size > 0 && x.rank === 0) {
    copyAll(x, out);
  } else if (out.size > 0 && x.dtype === 'int32' && value !== 0) {
    // The kernel writes `value` as float32 bits; int32 fills go through fillI32 instead.
    padI32(x, out, before, value);
  } else if (out.size > 0) {
    const m = mergeAxes('pad', x.shape, (k) => before[k] === 0 && after[k] === 0, [before, after]);
    const [mb, ma] = m.scaled;
    kernels().pad(
      x.ptr,
      out.ptr,
      m.shape.length,
      writeArgs(m.shape, 0),
      writeArgs(mb, 16),
      writeArgs(ma, 32),
      value,
    );
  }
  return out;
}

/** int32 constant padding: fill with the (truncated) value, then copy x's rows into place. */
function padI32(x: Tensor, out: Tensor, before: readonly number[], value: number): void {
  kernels().fillI32(out.ptr, out.size, Math.trunc(value) | 0);
  if (x.size === 0) return;
  const h = heap();
  h.refresh();
  const r = x.rank;
  const width = x.shape[r - 1];
  const os = stridesOf(out.shape);
  const idx = new Array<number>(r - 1).fill(0);
  const src = x.ptr >> 2;
  const dst = out.ptr >> 2;
  for (let row = 0; row < x.size / width; row++) {
    let at = before[r - 1];
    for (let k = 0; k < r - 1; k++) at += (idx[k] + before[k]) * os[k];
    h.i32.copyWithin(dst + at, src + row * width, src + (row + 1) * width);
    for (let k = r - 2; k >= 0; k--) {
      if (++idx[k] < x.shape[k]) break;
      idx[k] = 0;
    }
  }
}

/** Pads with a constant: `paddings[i] = [before, after]` for each axis. */
export function pad(
  xl: TensorLike,
  paddings: readonly (readonly [number, number])[],
  constantValue = 0,
): Tensor {
  const x = toTensor('pad', xl);
  if (paddings.length !== x.rank) {
    throw new Error(
      `pad: need ${x.rank} [before, after] pairs for ${fmt(x.shape)}, got ${paddings.length}`,
    );
  }
  const before = paddings.map((p) => p[0]);
  const after = paddings.map((p) => p[1]);
  for (const v of [...before, ...after]) {
    if (!Number.isInteger(v) || v < 0)
      throw new Error(
        `pad: paddings must be non-negative integers, got ${JSON.stringify(paddings)}`,
      );
  }
  const out = padRaw(x, before, after, constantValue);
  if (engine.needsGrad([x])) {
    engine.record([x], [out], ([dy]) => [slice(dy, before, x.shape)]);
  }
  return out;
}

/** Joins tensors along `axis`; all other dimensions must match. */
export function concat(tensors: readonly TensorLike[], axis = 0): Tensor {
  if (tensors.length === 0) throw new Error('concat: needs at least one tensor');
  const ts = tensors.map((t, i) => toTensor('concat', t, `tensors[${i}]`));
  const first = ts[0];
  if (first.rank === 0) {
    throw new Error('concat: cannot concatenate scalars (rank 0); use stack');
  }
  const a = normAxis('concat', axis, first.rank);
  for (const t of ts) {
    if (
      t.rank !== first.rank ||
      t.dtype !== first.dtype ||
      t.shape.some((d, i) => i !== a && d !== first.shape[i])
    ) {
      throw new Error(
        `concat: shapes must match except along axis ${a}: ${ts.map((u) => `${u.dtype} ${fmt(u.shape)}`).join(', ')}`,
      );
    }
  }
  const outShape = first.shape.slice();
  outShape[a] = ts.reduce((n, t) => n + t.shape[a], 0);
  const out = empty(outShape, first.dtype);
  const outer = sizeOf(first.shape.slice(0, a));
  const inner = sizeOf(first.shape.slice(a + 1));
  const rowOut = outShape[a] * inner;
  let offset = 0;
  for (const t of ts) {
    const cols = t.shape[a] * inner;
    if (cols > 0 && outer > 0)
      kernels().copyBlock(t.ptr, out.ptr + offset * 4, outer, cols, cols, rowOut);
    offset += cols;
  }
  if (engine.needsGrad(ts)) {
    engine.record(ts, [out], ([dy]) => {
      let at = 0;
      return ts.map((t) => {
        const begin = outShape.map(() => 0);
        begin[a] = at;
        at += t.shape[a];
        return slice(dy, begin, t.shape);
      });
    });
  }
  return out;
}

/** Stacks same-shaped tensors along a new `axis`. */
export function stack(tensors: readonly TensorLike[], axis = 0): Tensor {
  if (tensors.length === 0) throw new Error('stack: needs at least one tensor');
  const ts = tensors.map((t, i) => toTensor('stack', t, `tensors[${i}]`));
  return concat(
    ts.map((t) => expandDims(t, axis)),
    axis,
  );
}

/** Splits `x` along `axis` into pieces of the given sizes (or `n` equal pieces). */
export function split(xl: TensorLike, sizes: number | readonly number[], axis = 0): Tensor[] {
  const x = toTensor('split', xl);
  const a = normAxis('split', axis, x.rank);
  const len = x.shape[a];
  const parts =
    typeof sizes === 'number'
      ? (() => {
          if (len % sizes !== 0)
            throw new Error(`split: ${len} is not divisible into ${sizes} parts`);
          return new Array<number>(sizes).fill(len / sizes);
        })()
      : sizes.slice();
  const inferred = parts.indexOf(-1);
  if (inferred >= 0 && parts.indexOf(-1, inferred + 1) < 0) {
    // One size may be -1: the rest of the axis, as TF.
    parts[inferred] = len - parts.reduce((n, p, i) => (i === inferred ? n : n + p), 0);
  }
  if (
    parts.some((p) => !Number.isInteger(p) || p < 0) ||
    parts.reduce((n, p) => n + p, 0) !== len
  ) {
    throw new Error(
      `split: sizes ${fmt(typeof sizes === 'number' ? parts : sizes)} do not add up to ${len} (axis ${a} of ${fmt(x.shape)})`,
    );
  }
  let at = 0;
  return parts.map((p) => {
    const begin = x.shape.map(() => 0);
    begin[a] = at;
    const size = x.shape.slice();
    size[a] = p;
    at += p;
    return slice(x, begin, size);
  });
}

/** Picks slices of `x` along `axis` by int32 `indices` (out-of-range indices are an error). */
export function gather(xl: TensorLike, indicesLike: TensorLike, axis = 0): Tensor {
  const x = toTensor('gather', xl);
  const indices =
    typeof indicesLike === 'number' || Array.isArray(indicesLike)
      ? toIntTensor(indicesLike as number | number[])
      : toTensor('gather', indicesLike, 'indices');
  if (indices.dtype !== 'int32') {
    throw new Error(`gather: indices must be int32, got ${indices.dtype} ${fmt(indices.shape)}`);
  }
  const a = normAxis('gather', axis, x.rank);
  const outer = sizeOf(x.shape.slice(0, a));
  const len = x.shape[a];
  const inner = sizeOf(x.shape.slice(a + 1));
  const outShape = [...x.shape.slice(0, a), ...indices.shape, ...x.shape.slice(a + 1)];
  const out = empty(outShape, x.dtype);
  const bad = kernels().gather(x.ptr, indices.ptr, out.ptr, outer, len, inner, indices.size);
  if (bad >= 0) {
    const v = heap().i32[(indices.ptr >> 2) + bad];
    out.dispose();
    throw new Error(
      `gather: index ${v} at position ${bad} is outside [0, ${len}) for axis ${a} of ${fmt(x.shape)}`,
    );
  }
  if (engine.needsGrad([x])) {
    engine.record([x, indices], [out], ([dy]) => {
      const dx = empty(x.shape);
      kernels().gatherBackward(dy.ptr, indices.ptr, dx.ptr, outer, len, inner, indices.size);
      return [dx, null];
    });
  }
  return out;
}

function toIntTensor(v: number | number[]): Tensor {
  const arr = typeof v === 'number' ? [v] : v;
  const t = empty(typeof v === 'number' ? [] : [arr.length], 'int32');
  heap().i32.set(arr, t.ptr >> 2);
  return t;
}

/** Repeats `x` `reps[i]` times along each axis. */
export function tile(xl: TensorLike, reps: readonly number[]): Tensor {
  const x = toTensor('tile', xl);
  if (reps.length !== x.rank || reps.some((r) => !Number.isInteger(r) || r < 0)) {
    throw new Error(
      `tile: reps ${fmt(reps)} must hold ${x.rank} non-negative integers for ${fmt(x.shape)}`,
    );
  }
  const out = empty(
    x.shape.map((d, i) => d * reps[i]),
    x.dtype,
  );
  if (out.size > 0 && x.rank === 0) {
    copyAll(x, out);
  } else if (out.size > 0) {
    const m = mergeAxes('tile', x.shape, (k) => reps[k] === 1, [], [reps]);
    kernels().tile(x.ptr, out.ptr, m.shape.length, writeArgs(m.shape, 0), writeArgs(m.kept[0], 16));
  }
  if (engine.needsGrad([x])) {
    engine.record([x], [out], ([dy]) => {
      // Sum the copies: view dy as [r0, d0, r1, d1, ...] and reduce the r axes.
      const split: number[] = [];
      for (let i = 0; i < x.rank; i++) split.push(reps[i], x.shape[i]);
      const v = view(dy, split);
      let acc: Tensor = v;
      for (let i = x.rank - 1; i >= 0; i--) {
        const s = acc.shape;
        const outer = sizeOf(s.slice(0, 2 * i));
        const inner = sizeOf(s.slice(2 * i + 1));
        const next = empty([...s.slice(0, 2 * i), ...s.slice(2 * i + 1)]);
        kernels().reduce(0, acc.ptr, next.ptr, outer, s[2 * i], inner);
        if (acc !== v) acc.dispose();
        acc = next;
      }
      return [view(acc, x.shape)];
    });
  }
  return out;
}

/** Converts between float32 and int32 (float to int truncates toward zero). */
export function cast(xl: TensorLike, dtype: DType): Tensor {
  const x = toTensor('cast', xl);
  if (dtype !== 'float32' && dtype !== 'int32')
    throw new Error(`cast: unknown dtype '${String(dtype)}'`);
  if (x.dtype === dtype) {
    // A no-op cast still passes gradients through (as TF), or chains through it would break.
    const same = view(x, x.shape);
    if (engine.needsGrad([x])) engine.record([x], [same], ([dy]) => [view(dy, x.shape)]);
    return same;
  }
  const out = empty(x.shape, dtype);
  if (dtype === 'int32') kernels().castF32ToI32(x.ptr, out.ptr, x.size);
  else kernels().castI32ToF32(x.ptr, out.ptr, x.size);
  return out;
}
