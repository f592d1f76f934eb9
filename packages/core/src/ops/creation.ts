// Creating tensors: from JS data, constants, seeded random values, variables.
import { heap, kernels } from '../backend.js';
import { engine, isTensor } from '../engine.js';
import { type DType, empty, type NestedArray, type Tensor, Variable } from '../tensor.js';
import { checkShape, fmt, sizeOf } from '../util.js';

/** Values a tensor can be made from. */
export type TensorData =
  | number
  | NestedArray
  | Float32Array
  | Int32Array
  | Uint8Array
  | ArrayLike<number>;

/** A tensor, or data that `tensor()` accepts (ops take either). */
export type TensorLike = Tensor | TensorData;

function inferShape(data: TensorData): number[] {
  if (typeof data === 'number') return [];
  if (ArrayBuffer.isView(data)) return [(data as Float32Array).length];
  const shape: number[] = [];
  let cur: unknown = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0];
  }
  return shape;
}

function flatten(data: TensorData, out: number[]): void {
  if (typeof data === 'number') {
    out.push(data);
  } else if (Array.isArray(data)) {
    for (const d of data) flatten(d as TensorData, out);
  } else {
    const arr = data as ArrayLike<number>;
    for (let i = 0; i < arr.length; i++) out.push(arr[i]);
  }
}

/**
 * Makes a tensor from numbers, nested arrays or a typed array, copied into wasm memory.
 * `shape` is inferred from nested arrays when omitted; `dtype` defaults to float32 (int32 for
 * an Int32Array).
 */
export function tensor(data: TensorData, shape?: readonly number[], dtype?: DType): Tensor {
  const dt: DType = dtype ?? (data instanceof Int32Array ? 'int32' : 'float32');
  if (dt !== 'float32' && dt !== 'int32') {
    throw new Error(`tensor: dtype must be 'float32' or 'int32', got '${String(dt)}'`);
  }
  let flat: ArrayLike<number>;
  if (ArrayBuffer.isView(data)) {
    flat = data as Float32Array;
  } else {
    const out: number[] = [];
    flatten(data, out);
    flat = out;
  }
  const shp = shape ?? inferShape(data);
  checkShape('tensor', shp);
  if (sizeOf(shp) !== flat.length) {
    throw new Error(`tensor: shape ${fmt(shp)} needs ${sizeOf(shp)} values, got ${flat.length}`);
  }
  const t = empty(shp.slice(), dt);
  const h = heap();
  if (dt === 'int32') h.i32.set(flat, t.ptr >> 2);
  else h.f32.set(flat, t.ptr >> 2);
  return t;
}

/** A rank-0 tensor. */
export function scalar(value: number, dtype: DType = 'float32'): Tensor {
  return tensor([value], [], dtype);
}

/** Turns `x` into a tensor (numbers and arrays become new float32 tensors). @internal */
export function toTensor(op: string, x: TensorLike, name = 'x'): Tensor {
  if (isTensor(x)) {
    x.assertLive(op);
    return x;
  }
  if (typeof x === 'number' || Array.isArray(x) || ArrayBuffer.isView(x)) return tensor(x);
  throw new TypeError(
    `${op}: argument '${name}' must be a Tensor, a number or an array, got ${typeof x}`,
  );
}

/** A tensor of `shape` filled with `value`. */
export function fill(shape: readonly number[], value: number, dtype: DType = 'float32'): Tensor {
  checkShape('fill', shape);
  const t = empty(shape.slice(), dtype);
  if (dtype === 'int32') kernels().fillI32(t.ptr, t.size, value);
  else kernels().fillF32(t.ptr, t.size, value);
  return t;
}

/** Zeros of `shape`. */
export function zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return fill(shape, 0, dtype);
}

/** Ones of `shape`. */
export function ones(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return fill(shape, 1, dtype);
}

/** Zeros shaped like `x`. */
export function zerosLike(x: Tensor): Tensor {
  x.assertLive('zerosLike');
  return fill(x.shape, 0, x.dtype);
}

/** Ones shaped like `x`. */
export function onesLike(x: Tensor): Tensor {
  x.assertLive('onesLike');
  return fill(x.shape, 1, x.dtype);
}

/** A copy of `x` with its own memory. */
export function clone(x: Tensor): Tensor {
  x.assertLive('clone');
  const t = empty(x.shape, x.dtype);
  const h = heap();
  h.u8.copyWithin(t.ptr, x.ptr, x.ptr + x.byteLength);
  // The gradient passes through unchanged (as TF), so f(clone(x)) still depends on x.
  if (engine.needsGrad([x])) engine.record([x], [t], ([dy]) => [dy]);
  return t;
}

/**
 * Seeds the one random generator all random ops use (it runs in the kernels, so a seed gives
 * the same numbers in every runtime).
 */
export function setSeed(seed: number): void {
  if (!Number.isFinite(seed)) throw new Error(`setSeed: seed must be a finite number, got ${seed}`);
  kernels().seedRandom(seed >>> 0);
}

function seeded(seed: number | undefined): void {
  if (seed !== undefined) setSeed(seed);
}

/** Normally distributed values (mean, stdDev), from the seeded generator. */
export function randomNormal(
  shape: readonly number[],
  mean = 0,
  stdDev = 1,
  dtype: DType = 'float32',
  seed?: number,
): Tensor {
  checkShape('randomNormal', shape);
  if (dtype !== 'float32') throw new Error(`randomNormal: dtype must be float32, got ${dtype}`);
  seeded(seed);
  const t = empty(shape.slice());
  kernels().randomNormal(t.ptr, t.size, mean, stdDev);
  return t;
}

/** Normal values redrawn until within two standard deviations of the mean, like TF. */
export function truncatedNormal(
  shape: readonly number[],
  mean = 0,
  stdDev = 1,
  dtype: DType = 'float32',
  seed?: number,
): Tensor {
  checkShape('truncatedNormal', shape);
  if (dtype !== 'float32') throw new Error(`truncatedNormal: dtype must be float32, got ${dtype}`);
  seeded(seed);
  const t = empty(shape.slice());
  kernels().truncatedNormal(t.ptr, t.size, mean, stdDev);
  return t;
}

/** Uniform values in [minval, maxval) (integers for int32), from the seeded generator. */
export function randomUniform(
  shape: readonly number[],
  minval = 0,
  maxval = 1,
  dtype: DType = 'float32',
  seed?: number,
): Tensor {
  checkShape('randomUniform', shape);
  if (!(maxval > minval)) {
    throw new Error(`randomUniform: maxval (${maxval}) must be greater than minval (${minval})`);
  }
  seeded(seed);
  const t = empty(shape.slice(), dtype);
  if (dtype === 'int32') kernels().randomInt(t.ptr, t.size, Math.ceil(minval), Math.ceil(maxval));
  else kernels().randomUniform(t.ptr, t.size, minval, maxval);
  return t;
}

/** One-hot rows of `depth` for int32 indices; an index outside [0, depth) is an error. */
export function oneHot(indices: Tensor, depth: number, onValue = 1, offValue = 0): Tensor {
  indices.assertLive('oneHot');
  if (indices.dtype !== 'int32') {
    throw new Error(`oneHot: indices must be int32, got ${indices.dtype} ${fmt(indices.shape)}`);
  }
  if (!Number.isInteger(depth) || depth < 1) {
    throw new Error(`oneHot: depth must be a positive integer, got ${depth}`);
  }
  const t = empty([...indices.shape, depth]);
  const bad = kernels().oneHot(indices.ptr, t.ptr, indices.size, depth, onValue, offValue);
  if (bad >= 0) {
    const value = heap().i32[(indices.ptr >> 2) + bad];
    t.dispose();
    throw new Error(`oneHot: index ${value} at position ${bad} is outside [0, ${depth})`);
  }
  return t;
}

let varCount = 0;

/**
 * A variable initialised with a copy of `initial`. Variables are not freed by `tidy()`;
 * `trainable` ones receive gradients in `variableGrads()`.
 */
export function variable(
  initial: Tensor,
  trainable = true,
  name?: string,
  dtype?: DType,
): Variable {
  initial.assertLive('variable');
  if (dtype !== undefined && dtype !== initial.dtype) {
    throw new Error(`variable: initial value is ${initial.dtype}, asked for ${dtype}`);
  }
  const h = heap();
  const v = new Variable(
    initial.shape.slice(),
    initial.dtype,
    h.alloc(initial.byteLength),
    trainable,
    name ?? `variable_${++varCount}`,
  );
  h.u8.copyWithin(v.ptr, initial.ptr, initial.ptr + initial.byteLength);
  engine.track(v);
  engine.registerVariable(v);
  return v;
}
