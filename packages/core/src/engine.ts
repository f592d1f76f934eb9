// Memory scopes and the autograd tape.
//
// Scopes: every tensor an op creates is tracked by the innermost tidy() scope, which disposes
// it when the scope ends unless it is returned or kept.
// Tape: while a gradient is being computed, each op whose inputs depend on a watched tensor
// records a backward closure. Tensors a tape needs are held: dispose() on them is deferred
// until the tape is done, so tidy() inside a differentiated function is safe.
import { heap } from './backend.js';
import type { Tensor, Variable } from './tensor.js';

/**
 * Backward closure of one op: output gradients in, one gradient (or null) per input out.
 * `needs[i]` says whether input i wants a gradient at all, so an op can skip work (a dense
 * layer never needs the gradient of its input batch).
 */
export type BackwardFn = (dys: Tensor[], needs: readonly boolean[]) => (Tensor | null)[];

interface TapeNode {
  inputs: Tensor[];
  outputs: Tensor[];
  backward: BackwardFn;
  /** Which inputs depend on a watched tensor when the op ran. */
  needs: boolean[];
  /** Tensors only the backward pass needs (owned by the tape). */
  saved: Tensor[];
}

/** @internal */
export interface Tape {
  watched: Set<number>;
  nodes: TapeNode[];
}

class Engine {
  private scopes: Tensor[][] = [];
  /** Live tensors (not yet disposed), variables included. */
  numTensors = 0;
  numBytes = 0;
  tapes: Tape[] = [];
  /**
   * A counter of weight changes that inference caches (folded batch norms) compare: moved by
   * `Variable.assign`, optimizer steps, `setWeights`, training-mode passes and any layer run
   * under a gradient tape.
   */
  weightsEpoch = 0;
  readonly variables = new Map<number, Variable>();

  track(t: Tensor): void {
    this.numTensors++;
    if (t.storage.refs === 1) this.numBytes += t.storage.bytes;
    const scope = this.scopes[this.scopes.length - 1];
    if (scope !== undefined && !t.kept) scope.push(t);
  }

  untrack(t: Tensor): void {
    this.numTensors--;
    if (t.storage.refs === 0) this.numBytes -= t.storage.bytes;
  }

  /** Name -> the most recently created live variable of that name (optimizers look up by name). */
  private readonly byName = new Map<string, Variable>();

  registerVariable(v: Variable): void {
    this.variables.set(v.id, v);
    this.byName.set(v.name, v);
  }

  forgetVariable(v: Variable): void {
    this.variables.delete(v.id);
    if (this.byName.get(v.name) !== v) return;
    this.byName.delete(v.name);
    // Rare: an older live variable shares the name; it becomes the one found again.
    let older: Variable | undefined;
    for (const w of this.variables.values()) if (w.name === v.name) older = w;
    if (older !== undefined) this.byName.set(v.name, older);
  }

  /** The live variable with this name (the most recent if several share it). */
  variableByName(name: string): Variable | undefined {
    return this.byName.get(name);
  }

  /** Runs `fn` in a new scope; disposes what it created except the tensors in its result. */
  tidy<T>(fn: () => T): T {
    this.scopes.push([]);
    let result: T;
    try {
      result = fn();
    } catch (err) {
      this.endScope(new Set());
      throw err;
    }
    if (result instanceof Promise) {
      this.endScope(new Set());
      throw new Error(
        'tidy: the function returned a Promise; tidy only takes synchronous functions',
      );
    }
    const keep = new Set<Tensor>();
    collectTensors(result, keep);
    this.endScope(keep);
    return result;
  }

  private endScope(results: Set<Tensor>): void {
    const scope = this.scopes.pop()!;
    const parent = this.scopes[this.scopes.length - 1];
    for (const t of scope) {
      if (t.isDisposed || t.kept) continue;
      if (results.has(t)) {
        if (parent !== undefined) parent.push(t);
      } else {
        t.dispose();
      }
    }
  }

  /** Whether an op with these inputs must record a backward closure. */
  needsGrad(inputs: readonly Tensor[]): boolean {
    if (this.tapes.length === 0) return false;
    for (const tape of this.tapes) {
      for (const t of inputs) if (tape.watched.has(t.id)) return true;
    }
    return false;
  }

  /**
   * Records an op on every active tape that watches one of its inputs. `saved` are extra
   * tensors the backward closure uses (the tape owns and frees them).
   */
  record(inputs: Tensor[], outputs: Tensor[], backward: BackwardFn, saved: Tensor[] = []): void {
    if (this.tapes.length === 0) {
      for (const s of saved) s.dispose();
      return;
    }
    let recorded = false;
    for (const tape of this.tapes) {
      let watched = false;
      const needs = inputs.map((t) => tape.watched.has(t.id));
      for (const n of needs) watched ||= n;
      if (!watched) continue;
      recorded = true;
      for (const t of outputs) tape.watched.add(t.id);
      for (const t of inputs) t.holds++;
      for (const t of outputs) t.holds++;
      for (const t of saved) t.holds++;
      tape.nodes.push({ inputs, outputs, backward, needs, saved });
    }
    if (!recorded) for (const s of saved) s.dispose();
  }

  /** Runs `fn` with recording paused (metrics, bookkeeping inside a differentiated function). */
  noGrad<T>(fn: () => T): T {
    const saved = this.tapes;
    this.tapes = [];
    try {
      return fn();
    } finally {
      this.tapes = saved;
    }
  }

  startTape(watch: readonly Tensor[]): Tape {
    const tape: Tape = { watched: new Set(watch.map((t) => t.id)), nodes: [] };
    this.tapes.push(tape);
    return tape;
  }

  endTape(tape: Tape): void {
    const i = this.tapes.lastIndexOf(tape);
    if (i >= 0) this.tapes.splice(i, 1);
    const release = (t: Tensor) => {
      t.holds--;
      if (t.holds === 0 && t.disposeWanted) t.dispose();
    };
    for (const node of tape.nodes) {
      for (const t of node.inputs) release(t);
      for (const t of node.outputs) release(t);
      for (const t of node.saved) {
        t.disposeWanted = true;
        release(t);
      }
    }
    tape.nodes.length = 0;
  }
}

/** The single engine instance. @internal */
export const engine = new Engine();

function collectTensors(value: unknown, into: Set<Tensor>, depth = 0): void {
  if (value === null || value === undefined || depth > 8) return;
  if (typeof value !== 'object') return;
  if (isTensor(value)) {
    into.add(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collectTensors(v, into, depth + 1);
    return;
  }
  if (value instanceof Map) {
    for (const v of value.values()) collectTensors(v, into, depth + 1);
    return;
  }
  if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, into, depth + 1);
  }
}

/** Whether a value is a Zoo tensor. */
export function isTensor(x: unknown): x is Tensor {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as Tensor).ptr === 'number' &&
    typeof (x as Tensor).assertLive === 'function'
  );
}

/**
 * Runs `fn` and disposes every tensor it created, except those it returns (in an array or a
 * plain object too) and those passed to `keep()`.
 */
export function tidy<T>(fn: () => T): T;
export function tidy<T>(name: string, fn: () => T): T;
export function tidy<T>(nameOrFn: string | (() => T), maybeFn?: () => T): T {
  const fn = typeof nameOrFn === 'function' ? nameOrFn : maybeFn;
  if (typeof fn !== 'function') throw new TypeError('tidy: expected a function');
  return engine.tidy(fn);
}

/** Marks a tensor so that no enclosing `tidy()` disposes it; returns it. */
export function keep<T extends Tensor>(t: T): T {
  t.assertLive('keep');
  t.kept = true;
  return t;
}

/** Disposes a tensor, or every tensor in an array or plain object. */
export function dispose(x: Tensor | readonly Tensor[] | Record<string, Tensor> | undefined): void {
  const all = new Set<Tensor>();
  collectTensors(x, all);
  for (const t of all) t.dispose();
}

/** Live tensors, their bytes, and the size of wasm memory. */
export interface MemoryInfo {
  /** Tensors created and not yet disposed (variables included). */
  numTensors: number;
  /** Bytes those tensors hold. */
  numBytes: number;
  /** Bytes of wasm linear memory (grows, never shrinks). */
  wasmBytes: number;
  /** Bytes the allocator has in use, live blocks and recycled ones. */
  heapBytes: number;
}

/** How much memory Zoo holds right now. */
export function memory(): MemoryInfo {
  const h = heap();
  return {
    numTensors: engine.numTensors,
    numBytes: engine.numBytes,
    wasmBytes: h.memory.buffer.byteLength,
    heapBytes: h.usedBytes,
  };
}
