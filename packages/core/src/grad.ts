// Reverse-mode autograd: grad, grads, valueAndGrad(s), variableGrads.
import { kernels } from './backend.js';
import { engine, isTensor } from './engine.js';
import { clone } from './ops/creation.js';
import { empty, emptyZeroed, sameShape, type Tensor, type Variable } from './tensor.js';
import { fmt } from './util.js';

/**
 * Runs `f` under a tape watching `xs`, then walks the tape backwards from its result.
 * Returns the value and one gradient per x (null where x does not affect the value).
 */
function backprop(
  f: () => Tensor,
  xs: readonly Tensor[],
  dy: Tensor | undefined,
): { value: Tensor; grads: (Tensor | null)[] } {
  for (const x of xs) x.assertLive('grad');
  return engine.tidy(() => {
    const tape = engine.startTape(xs);
    try {
      const value = f();
      if (!isTensor(value)) {
        throw new Error('grad: the function must return a Tensor');
      }
      if (dy !== undefined && !sameShape(dy.shape, value.shape)) {
        throw new Error(
          `grad: dy has shape ${fmt(dy.shape)}, the value has shape ${fmt(value.shape)}`,
        );
      }
      const grads = new Map<number, Tensor>();
      const seed = dy ?? empty(value.shape);
      if (dy === undefined) kernels().fillF32(seed.ptr, seed.size, 1);
      grads.set(value.id, seed);
      const k = kernels();
      for (let i = tape.nodes.length - 1; i >= 0; i--) {
        const node = tape.nodes[i];
        let any = false;
        const dys = node.outputs.map((o) => {
          const g = grads.get(o.id);
          if (g !== undefined) any = true;
          return g;
        });
        if (!any) continue;
        const filled = dys.map((g, j) => g ?? emptyZeroed(node.outputs[j].shape));
        const dxs = node.backward(filled, node.needs);
        for (let j = 0; j < node.inputs.length; j++) {
          const input = node.inputs[j];
          const g = dxs[j];
          if (g === null || g === undefined || !tape.watched.has(input.id)) continue;
          if (!sameShape(g.shape, input.shape)) {
            throw new Error(
              `grad: internal error: gradient of shape ${fmt(g.shape)} for an input of shape ${fmt(input.shape)}`,
            );
          }
          const prev = grads.get(input.id);
          if (prev === undefined) {
            grads.set(input.id, g);
          } else {
            // Accumulate into a fresh tensor: `prev` may be a gradient another op still owns.
            const sum = empty(input.shape);
            k.binarySame(0, prev.ptr, g.ptr, sum.ptr, sum.size);
            grads.set(input.id, sum);
          }
        }
      }
      // Hand out distinct tensors: an op may pass one gradient to several inputs.
      const seen = new Set<Tensor>();
      if (dy !== undefined) seen.add(dy);
      const out = xs.map((x) => {
        let g = grads.get(x.id) ?? null;
        if (g !== null && seen.has(g)) g = clone(g);
        if (g !== null) seen.add(g);
        return g;
      });
      return { value, grads: out };
    } finally {
      engine.endTape(tape);
    }
  });
}

function requireAll(grads: (Tensor | null)[]): Tensor[] {
  return grads.map((g, i) => {
    if (g === null) {
      throw new Error(
        `grad: cannot compute the gradient with respect to argument ${i}: the function's value does not depend on it (make sure f uses it through Zoo ops)`,
      );
    }
    return g;
  });
}

/**
 * Returns a function computing df/dx for a function of one tensor. `dy` weights the output
 * (ones by default), as TF.js.
 */
export function grad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => Tensor {
  return (x, dy) => requireAll(backprop(() => f(x), [x], dy).grads)[0];
}

/** Returns a function computing the gradients of `f` with respect to each argument. */
export function grads(f: (...xs: Tensor[]) => Tensor): (xs: Tensor[], dy?: Tensor) => Tensor[] {
  return (xs, dy) => requireAll(backprop(() => f(...xs), xs, dy).grads);
}

/** Like {@link grad}, also returning the value of f. */
export function valueAndGrad(
  f: (x: Tensor) => Tensor,
): (x: Tensor, dy?: Tensor) => { value: Tensor; grad: Tensor } {
  return (x, dy) => {
    const r = backprop(() => f(x), [x], dy);
    return { value: r.value, grad: requireAll(r.grads)[0] };
  };
}

/** Like {@link grads}, also returning the value of f. */
export function valueAndGrads(
  f: (...xs: Tensor[]) => Tensor,
): (xs: Tensor[], dy?: Tensor) => { value: Tensor; grads: Tensor[] } {
  return (xs, dy) => {
    const r = backprop(() => f(...xs), xs, dy);
    return { value: r.value, grads: requireAll(r.grads) };
  };
}

/**
 * Computes the value of `f` (a scalar) and its gradient with respect to `varList` (by default
 * every trainable variable). Variables the value does not depend on are left out of `grads`.
 */
export function variableGrads(
  f: () => Tensor,
  varList?: readonly Variable[],
): { value: Tensor; grads: Record<string, Tensor> } {
  const vars = varList ?? [...engine.variables.values()].filter((v) => v.trainable);
  const r = backprop(
    () => {
      const v = f();
      if (isTensor(v) && v.rank !== 0) {
        throw new Error(`variableGrads: f must return a scalar, got shape ${fmt(v.shape)}`);
      }
      return v;
    },
    vars,
    undefined,
  );
  const out: Record<string, Tensor> = {};
  let found = 0;
  vars.forEach((v, i) => {
    const g = r.grads[i];
    if (g !== null) {
      out[v.name] = g;
      found++;
    }
  });
  if (found === 0 && vars.length > 0) {
    for (const g of Object.values(out)) g.dispose();
    throw new Error(
      'variableGrads: the value does not depend on any of the variables (check that f reads them through Zoo ops)',
    );
  }
  return { value: r.value, grads: out };
}
