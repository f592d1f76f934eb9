import {
  Activation,
  type ActivationArgs,
  type ActivationIdentifier,
  Dense,
  type DenseArgs,
  Dropout,
  type DropoutArgs,
  regularizers,
  type Sequential,
  sequential,
} from '@zoo/core';

/** A densely connected layer: activation(x · kernel + bias). See `Dense`. */
export function dense(args: DenseArgs): Dense {
  return new Dense(args);
}

/** Dropout (training only, seeded by `setSeed` or `seed`). See `Dropout`. */
export function dropout(args: DropoutArgs): Dropout {
  return new Dropout(args);
}

/** An activation layer. See `Activation`. */
export function activation(args: ActivationArgs): Activation {
  return new Activation(args);
}

/** Options of {@link mlp}. */
export interface MlpArgs {
  /** Features per example. */
  inputDim: number;
  /** Units of each hidden layer, e.g. [512, 512]. */
  hidden: number[];
  /** Output classes (softmax), or output units for regression with `outputActivation: 'linear'`. */
  numClasses: number;
  /** Hidden activation (default 'relu'). */
  activation?: ActivationIdentifier;
  /** Dropout rate after each hidden layer (default 0: none). */
  dropout?: number;
  /** Output activation (default 'softmax'). */
  outputActivation?: ActivationIdentifier;
  /** Hidden kernel initializer (default 'glorotUniform', as Keras). */
  kernelInitializer?: DenseArgs['kernelInitializer'];
  /** L2 penalty on hidden kernels (default none). */
  l2?: number;
  name?: string;
}

/**
 * A multilayer perceptron, uncompiled: Dense(hidden[i], activation) [+ Dropout] for each
 * hidden size, then Dense(numClasses, outputActivation). Keras's mnist_mlp is
 * `mlp({ inputDim: 784, hidden: [512, 512], numClasses: 10, dropout: 0.2 })`.
 */
export function mlp(args: MlpArgs): Sequential {
  if (!Number.isInteger(args.inputDim) || args.inputDim < 1) {
    throw new Error(`mlp: inputDim must be a positive integer, got ${String(args.inputDim)}`);
  }
  if (!Array.isArray(args.hidden)) throw new Error('mlp: hidden must be an array of layer sizes');
  const m = sequential({ name: args.name });
  let first = true;
  for (const units of args.hidden) {
    m.add(
      new Dense({
        units,
        activation: args.activation ?? 'relu',
        kernelInitializer: args.kernelInitializer,
        kernelRegularizer: args.l2 ? regularizers.l2({ l2: args.l2 }) : undefined,
        ...(first ? { inputShape: [args.inputDim] } : {}),
      }),
    );
    first = false;
    if (args.dropout) m.add(new Dropout({ rate: args.dropout }));
  }
  m.add(
    new Dense({
      units: args.numClasses,
      activation: args.outputActivation ?? 'softmax',
      ...(first ? { inputShape: [args.inputDim] } : {}),
    }),
  );
  return m;
}
