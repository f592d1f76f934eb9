import {
  type ActivationIdentifier,
  AveragePooling2D,
  Conv2D,
  Dense,
  Dropout,
  Flatten,
  MaxPooling2D,
  type Sequential,
  sequential,
} from '@zoo/core';

/** Checks `inputShape` is [height, width, channels] of positive integers, at least `minSide` high and wide. */
function checkImageShape(
  fn: string,
  inputShape: unknown,
  minSide: number,
): [number, number, number] {
  if (
    !Array.isArray(inputShape) ||
    inputShape.length !== 3 ||
    inputShape.some((d) => !Number.isInteger(d) || d < 1)
  ) {
    throw new Error(
      `${fn}: inputShape must be [height, width, channels] of positive integers, got ${JSON.stringify(inputShape)}`,
    );
  }
  const [h, w, c] = inputShape as [number, number, number];
  if (h < minSide || w < minSide) {
    throw new Error(
      `${fn}: inputShape [${h}, ${w}, ${c}] is too small: height and width must be at least ${minSide}`,
    );
  }
  return [h, w, c];
}

function checkClasses(fn: string, numClasses: unknown): number {
  if (!Number.isInteger(numClasses) || (numClasses as number) < 1) {
    throw new Error(`${fn}: numClasses must be a positive integer, got ${String(numClasses)}`);
  }
  return numClasses as number;
}

/** Options of {@link lenet5}. */
export interface LeNet5Args {
  /** [height, width, channels] of one image (default [28, 28, 1]); at least 12x12. */
  inputShape?: number[];
  /** Output classes (softmax; default 10). */
  numClasses?: number;
  /** Activation of the convolutions and hidden dense layers (default 'relu'; LeCun used 'tanh'). */
  activation?: ActivationIdentifier;
  /** Subsampling layers: 'avg' (default, as LeCun's) or 'max'. */
  pooling?: 'avg' | 'max';
  /** Model name (default: 'sequential' with a counter). */
  name?: string;
}

/**
 * LeNet-5 as it is usually written in Keras, uncompiled:
 *
 * Conv2D(6, 5x5, 'same', activation) → Pool(2x2) → Conv2D(16, 5x5, 'valid', activation) →
 * Pool(2x2) → Flatten → Dense(120, activation) → Dense(84, activation) → Dense(numClasses, softmax),
 *
 * with average pooling by default (`pooling: 'max'` for max pooling). The first convolution's
 * 'same' padding stands for LeCun's 28x28 → 32x32 border, so a 28x28 input gives the classic
 * 14x14x6 → 10x10x16 → 5x5x16 maps and 61,706 parameters for 10 classes.
 */
export function lenet5(args: LeNet5Args = {}): Sequential {
  const inputShape = checkImageShape('lenet5', args.inputShape ?? [28, 28, 1], 12);
  const numClasses = checkClasses('lenet5', args.numClasses ?? 10);
  const pooling = args.pooling ?? 'avg';
  if (pooling !== 'avg' && pooling !== 'max') {
    throw new Error(`lenet5: pooling must be 'avg' or 'max', got '${String(pooling)}'`);
  }
  const act = args.activation ?? 'relu';
  const pool = () =>
    pooling === 'avg'
      ? new AveragePooling2D({ poolSize: 2, strides: 2 })
      : new MaxPooling2D({ poolSize: 2, strides: 2 });
  const m = sequential({ name: args.name });
  m.add(new Conv2D({ filters: 6, kernelSize: 5, padding: 'same', activation: act, inputShape }));
  m.add(pool());
  m.add(new Conv2D({ filters: 16, kernelSize: 5, padding: 'valid', activation: act }));
  m.add(pool());
  m.add(new Flatten());
  m.add(new Dense({ units: 120, activation: act }));
  m.add(new Dense({ units: 84, activation: act }));
  m.add(new Dense({ units: numClasses, activation: 'softmax' }));
  return m;
}

/** Options of {@link mnistCnn}. */
export interface MnistCnnArgs {
  /** [height, width, channels] of one image (default [28, 28, 1]); at least 6x6. */
  inputShape?: number[];
  /** Output classes (softmax; default 10). */
  numClasses?: number;
  /** Model name (default: 'sequential' with a counter). */
  name?: string;
}

/**
 * Keras's `mnist_cnn` example model, uncompiled:
 *
 * Conv2D(32, 3x3, relu) → Conv2D(64, 3x3, relu) → MaxPooling2D(2x2) → Dropout(0.25) →
 * Flatten → Dense(128, relu) → Dropout(0.5) → Dense(numClasses, softmax),
 *
 * 'valid' padding and Glorot-uniform kernels (Keras's defaults): 1,199,882 parameters on
 * 28x28x1 with 10 classes. Keras trains it with Adadelta (lr 1.0), batch 128, 12 epochs, and
 * reports 99.25% test accuracy.
 */
export function mnistCnn(args: MnistCnnArgs = {}): Sequential {
  const inputShape = checkImageShape('mnistCnn', args.inputShape ?? [28, 28, 1], 6);
  const numClasses = checkClasses('mnistCnn', args.numClasses ?? 10);
  const m = sequential({ name: args.name });
  m.add(new Conv2D({ filters: 32, kernelSize: 3, activation: 'relu', inputShape }));
  m.add(new Conv2D({ filters: 64, kernelSize: 3, activation: 'relu' }));
  m.add(new MaxPooling2D({ poolSize: 2 }));
  m.add(new Dropout({ rate: 0.25 }));
  m.add(new Flatten());
  m.add(new Dense({ units: 128, activation: 'relu' }));
  m.add(new Dropout({ rate: 0.5 }));
  m.add(new Dense({ units: numClasses, activation: 'softmax' }));
  return m;
}
