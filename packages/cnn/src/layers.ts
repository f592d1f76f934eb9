import {
  AveragePooling1D,
  AveragePooling2D,
  Conv1D,
  type Conv1DArgs,
  Conv2D,
  type Conv2DArgs,
  Flatten,
  GlobalAveragePooling2D,
  GlobalMaxPooling2D,
  type GlobalPooling2DArgs,
  type LayerArgs,
  MaxPooling1D,
  MaxPooling2D,
  type Pooling1DArgs,
  type Pooling2DArgs,
  ZeroPadding2D,
  type ZeroPadding2DArgs,
} from '@zoo/core';

/**
 * A 2-D convolution layer over NHWC images (as `tf.layers.conv2d`). See `Conv2D`.
 *
 * In `@zoo/cnn` the name `conv2d` is this layer factory; the tensor op of the same name in
 * `@zoo/core` is reachable here as `fused.conv2d({ x, filter, strides, pad })`.
 */
export function conv2d(args: Conv2DArgs): Conv2D {
  return new Conv2D(args);
}

/** Max pooling over windows of each channel (default 2x2, stride = pool size). See `MaxPooling2D`. */
export function maxPooling2d(args: Pooling2DArgs = {}): MaxPooling2D {
  return new MaxPooling2D(args);
}

/** Average pooling over windows of each channel (default 2x2). See `AveragePooling2D`. */
export function averagePooling2d(args: Pooling2DArgs = {}): AveragePooling2D {
  return new AveragePooling2D(args);
}

/** Mean over height and width: [batch, h, w, c] -> [batch, c]. See `GlobalAveragePooling2D`. */
export function globalAveragePooling2d(args: GlobalPooling2DArgs = {}): GlobalAveragePooling2D {
  return new GlobalAveragePooling2D(args);
}

/** Maximum over height and width: [batch, h, w, c] -> [batch, c]. See `GlobalMaxPooling2D`. */
export function globalMaxPooling2d(args: GlobalPooling2DArgs = {}): GlobalMaxPooling2D {
  return new GlobalMaxPooling2D(args);
}

/** Flattens every dimension but the batch: [batch, ...] -> [batch, product]. See `Flatten`. */
export function flatten(args: LayerArgs & { dataFormat?: 'channelsLast' } = {}): Flatten {
  return new Flatten(args);
}

/** Adds rows and columns of zeros around each NHWC image (default 1 on every side). See `ZeroPadding2D`. */
export function zeroPadding2d(args: ZeroPadding2DArgs = {}): ZeroPadding2D {
  return new ZeroPadding2D(args);
}

/**
 * A 1-D convolution over [batch, steps, channels] sequences (as `tf.layers.conv1d`), with
 * 'valid', 'same' or Keras's 'causal' padding. See `Conv1D`.
 */
export function conv1d(args: Conv1DArgs): Conv1D {
  return new Conv1D(args);
}

/** Max pooling over windows of steps (default 2). See `MaxPooling1D`. */
export function maxPooling1d(args: Pooling1DArgs = {}): MaxPooling1D {
  return new MaxPooling1D(args);
}

/** Average pooling over windows of steps (default 2). See `AveragePooling1D`. */
export function averagePooling1d(args: Pooling1DArgs = {}): AveragePooling1D {
  return new AveragePooling1D(args);
}
