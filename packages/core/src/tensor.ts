// Tensor: a light JS handle (offset, shape, dtype) on data that lives in wasm memory.
import { heap, kernels } from './backend.js';
import { engine } from './engine.js';

/** Element types Zoo stores: float32 for values, int32 for labels and indices. */
export type DType = 'float32' | 'int32';

/** Nested arrays of numbers, as `arraySync()` returns them. */
export type NestedArray = number | NestedArray[];

let nextId = 1;

/**
 * An n-dimensional array in wasm memory, row-major. Create tensors with `tensor()`, `zeros()`
 * and friends; free them with `dispose()` or let a `tidy()` scope do it.
 */
export class Tensor {
  /** Unique id, in creation order. */
  readonly id: number;
  /** Dimensions, outermost first. */
  readonly shape: readonly number[];
  /** Element type. */
  readonly dtype: DType;
  /** Number of elements. */
  readonly size: number;
  /** Byte offset of the first element in wasm memory. @internal */
  ptr: number;
  /** @internal shared by reshaped views of the same memory; freed when the last goes. */
  readonly storage: { refs: number; bytes: number };
  /** @internal number of tapes holding this tensor for a backward pass. */
  holds = 0;
  /** @internal dispose() was asked while a tape held the tensor. */
  disposeWanted = false;
  /** @internal kept out of tidy() scopes (keep(), variables). */
  kept = false;
  private disposedFlag = false;

  /** @internal use the creation functions instead. */
  constructor(
    shape: readonly number[],
    dtype: DType,
    ptr: number,
    storage?: { refs: number; bytes: number },
  ) {
    this.id = nextId++;
    this.shape = shape;
    this.dtype = dtype;
    let size = 1;
    for (let i = 0; i < shape.length; i++) size *= shape[i];
    this.size = size;
    this.ptr = ptr;
    if (storage === undefined) {
      this.storage = { refs: 1, bytes: size * 4 };
    } else {
      storage.refs++;
      this.storage = storage;
    }
  }

  /** Number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }

  /** Whether the tensor has been disposed (its memory freed). */
  get isDisposed(): boolean {
    return this.disposedFlag;
  }

  /** @internal throws if the tensor was disposed; `op` names the caller in the message. */
  assertLive(op: string): void {
    if (this.disposedFlag) {
      throw new Error(
        `${op}: tensor ${this.id} (shape [${this.shape.join(',')}]) was disposed and cannot be used again`,
      );
    }
  }

  /** A copy of the values as a typed array. */
  dataSync(): Float32Array | Int32Array {
    this.assertLive('dataSync');
    const h = heap();
    h.refresh();
    const start = this.ptr >> 2;
    return this.dtype === 'int32'
      ? h.i32.slice(start, start + this.size)
      : h.f32.slice(start, start + this.size);
  }

  /** A copy of the values (async, as TF.js). */
  async data(): Promise<Float32Array | Int32Array> {
    return this.dataSync();
  }

  /** The values as nested arrays shaped like the tensor (a number for a scalar). */
  arraySync(): NestedArray {
    const flat = this.dataSync();
    if (this.shape.length === 0) return flat[0];
    let pos = 0;
    const build = (dim: number): NestedArray[] => {
      const n = this.shape[dim];
      const out: NestedArray[] = new Array(n);
      for (let i = 0; i < n; i++) {
        out[i] = dim === this.shape.length - 1 ? flat[pos++] : build(dim + 1);
      }
      return out;
    };
    return build(0);
  }

  /** The values as nested arrays (async, as TF.js). */
  async array(): Promise<NestedArray> {
    return this.arraySync();
  }

  /** Frees the memory. Using the tensor afterwards throws. Disposing twice is harmless. */
  dispose(): void {
    if (this.disposedFlag) return;
    if (this.holds > 0) {
      // A tape still needs the values for its backward pass; free when it lets go.
      this.disposeWanted = true;
      return;
    }
    this.disposedFlag = true;
    if (--this.storage.refs === 0) heap().release(this.ptr, this.storage.bytes);
    engine.untrack(this);
  }

  /** @internal bytes of storage. */
  get byteLength(): number {
    return this.size * 4;
  }

  /** A short description with shape and dtype. */
  toString(): string {
    return `Tensor(shape=[${this.shape.join(',')}], dtype=${this.dtype})`;
  }
}

/**
 * A tensor whose values can change in place (weights). Variables live until disposed:
 * `tidy()` never frees them.
 */
export class Variable extends Tensor {
  /** Whether gradients flow to this variable (in `variableGrads` without a list). */
  trainable: boolean;
  /** A name for messages and saving. */
  readonly name: string;

  /** @internal use `variable()`. */
  constructor(
    shape: readonly number[],
    dtype: DType,
    ptr: number,
    trainable: boolean,
    name: string,
  ) {
    super(shape, dtype, ptr);
    this.trainable = trainable;
    this.name = name;
    this.kept = true;
  }

  /** Copies `value` (same shape and dtype) into this variable. */
  assign(value: Tensor): void {
    this.assertLive('assign');
    value.assertLive('assign');
    if (value.dtype !== this.dtype || !sameShape(value.shape, this.shape)) {
      throw new Error(
        `assign: variable '${this.name}' is ${this.dtype} [${this.shape.join(',')}], got ${value.dtype} [${value.shape.join(',')}]`,
      );
    }
    const h = heap();
    h.u8.copyWithin(this.ptr, value.ptr, value.ptr + this.byteLength);
    engine.weightsEpoch++;
  }

  override dispose(): void {
    super.dispose();
    if (this.isDisposed) engine.forgetVariable(this);
  }
}

/** Whether two shapes are equal. @internal */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Allocates an uninitialised tensor in the current scope. @internal */
export function empty(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  let size = 1;
  for (let i = 0; i < shape.length; i++) size *= shape[i];
  const t = new Tensor(shape, dtype, heap().alloc(size * 4));
  engine.track(t);
  return t;
}

/** A tensor of another shape over the same memory (same size), in the current scope. @internal */
export function view(x: Tensor, shape: readonly number[]): Tensor {
  const t = new Tensor(shape, x.dtype, x.ptr, x.storage);
  engine.track(t);
  return t;
}

/** Allocates a zero-filled tensor in the current scope. @internal */
export function emptyZeroed(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  const t = empty(shape, dtype);
  kernels();
  heap().u8.fill(0, t.ptr, t.ptr + t.byteLength);
  return t;
}
