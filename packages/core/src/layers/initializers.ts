// Weight initializers with Keras's names and serialization.
import {
  fill,
  randomNormal,
  randomUniform,
  setSeed,
  tensor,
  truncatedNormal,
} from '../ops/creation.js';
import type { Tensor } from '../tensor.js';

/** A serializable recipe for a weight's initial values. */
export interface Initializer {
  /** Keras class name, as written in model.json. */
  readonly className: string;
  /** Keras config (snake_case keys, as saved). */
  getConfig(): Record<string, unknown>;
  /** Makes a new tensor of `shape`. */
  apply(shape: readonly number[]): Tensor;
}

/** Fan-in and fan-out of a weight shape, as Keras computes them. */
export function fans(shape: readonly number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0], shape[0]];
  if (shape.length === 2) return [shape[0], shape[1]];
  let receptive = 1;
  for (let i = 0; i < shape.length - 2; i++) receptive *= shape[i];
  return [receptive * shape[shape.length - 2], receptive * shape[shape.length - 1]];
}

function seeded(seed: number | null | undefined): void {
  if (seed !== null && seed !== undefined) setSeed(seed);
}

class Constant implements Initializer {
  readonly className: string;
  constructor(
    private readonly value: number,
    className = 'Constant',
  ) {
    this.className = className;
  }
  getConfig(): Record<string, unknown> {
    return this.className === 'Constant' ? { value: this.value } : {};
  }
  apply(shape: readonly number[]): Tensor {
    return fill(shape, this.value);
  }
}

class RandomNormalInit implements Initializer {
  readonly className = 'RandomNormal';
  constructor(
    private readonly mean = 0,
    private readonly stddev = 0.05,
    private readonly seed: number | null = null,
  ) {}
  getConfig(): Record<string, unknown> {
    return { mean: this.mean, stddev: this.stddev, seed: this.seed };
  }
  apply(shape: readonly number[]): Tensor {
    seeded(this.seed);
    return randomNormal(shape, this.mean, this.stddev);
  }
}

class RandomUniformInit implements Initializer {
  readonly className = 'RandomUniform';
  constructor(
    private readonly minval = -0.05,
    private readonly maxval = 0.05,
    private readonly seed: number | null = null,
  ) {}
  getConfig(): Record<string, unknown> {
    return { minval: this.minval, maxval: this.maxval, seed: this.seed };
  }
  apply(shape: readonly number[]): Tensor {
    seeded(this.seed);
    return randomUniform(shape, this.minval, this.maxval);
  }
}

class TruncatedNormalInit implements Initializer {
  readonly className = 'TruncatedNormal';
  constructor(
    private readonly mean = 0,
    private readonly stddev = 0.05,
    private readonly seed: number | null = null,
  ) {}
  getConfig(): Record<string, unknown> {
    return { mean: this.mean, stddev: this.stddev, seed: this.seed };
  }
  apply(shape: readonly number[]): Tensor {
    seeded(this.seed);
    return truncatedNormal(shape, this.mean, this.stddev);
  }
}

/**
 * Orthogonal (Keras / TF.js `Orthogonal`): a random matrix with orthonormal rows or columns,
 * times `gain`. Shapes of rank > 2 are flattened to [prod(leading dims), last dim]. A standard
 * normal [max, min] matrix is orthonormalised by modified Gram-Schmidt in float64 (its Q factor
 * with a positive diagonal R, as the QR with sign correction Keras uses), then transposed when
 * the weight has fewer rows than columns. The default recurrent kernel initializer.
 */
class OrthogonalInit implements Initializer {
  readonly className = 'Orthogonal';
  constructor(
    private readonly gain = 1,
    private readonly seed: number | null = null,
  ) {}
  getConfig(): Record<string, unknown> {
    return { gain: this.gain, seed: this.seed };
  }
  apply(shape: readonly number[]): Tensor {
    if (shape.length < 2) {
      throw new Error(`Orthogonal: the shape must have rank >= 2, got [${shape.join(',')}]`);
    }
    const cols = shape[shape.length - 1];
    const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const m = Math.max(rows, cols);
    const n = Math.min(rows, cols);
    seeded(this.seed);
    const draw = randomNormal([m, n], 0, 1);
    const a = Float64Array.from(draw.dataSync());
    draw.dispose();
    // Modified Gram-Schmidt on the n columns of the row-major [m, n] matrix a.
    for (let j = 0; j < n; j++) {
      for (let k = 0; k < j; k++) {
        let dot = 0;
        for (let i = 0; i < m; i++) dot += a[i * n + k] * a[i * n + j];
        for (let i = 0; i < m; i++) a[i * n + j] -= dot * a[i * n + k];
      }
      let norm = 0;
      for (let i = 0; i < m; i++) norm += a[i * n + j] * a[i * n + j];
      norm = Math.sqrt(norm);
      // A (measure-zero) degenerate draw would leave a zero column; fall back to a unit vector.
      if (!(norm > 1e-12)) {
        for (let i = 0; i < m; i++) a[i * n + j] = i === j ? 1 : 0;
        norm = 1;
      }
      for (let i = 0; i < m; i++) a[i * n + j] /= norm;
    }
    const out = new Float32Array(rows * cols);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const v = this.gain * a[i * n + j];
        if (rows >= cols) out[i * cols + j] = v;
        else out[j * cols + i] = v; // transpose: [n, m] = [rows, cols]
      }
    }
    return tensor(out, shape);
  }
}

type FanMode = 'fan_in' | 'fan_out' | 'fan_avg';
type Distribution = 'normal' | 'truncated_normal' | 'untruncated_normal' | 'uniform';

/**
 * Variance scaling (Keras): n = fan_in, fan_out or their mean; 'uniform' draws from
 * [-limit, limit] with limit = sqrt(3 scale / n); 'truncated_normal' (Keras's 'normal') draws a
 * normal truncated at 2 std with std = sqrt(scale / n) / 0.87962566 so the variance is scale / n.
 */
class VarianceScaling implements Initializer {
  readonly className = 'VarianceScaling';
  constructor(
    private readonly scale: number,
    private readonly mode: FanMode,
    private readonly distribution: Distribution,
    private readonly seed: number | null = null,
  ) {
    if (!(scale > 0)) throw new Error(`VarianceScaling: scale must be positive, got ${scale}`);
  }
  getConfig(): Record<string, unknown> {
    return { scale: this.scale, mode: this.mode, distribution: this.distribution, seed: this.seed };
  }
  apply(shape: readonly number[]): Tensor {
    const [fanIn, fanOut] = fans(shape);
    const n =
      this.mode === 'fan_in' ? fanIn : this.mode === 'fan_out' ? fanOut : (fanIn + fanOut) / 2;
    const variance = this.scale / Math.max(1, n);
    seeded(this.seed);
    if (this.distribution === 'uniform') {
      const limit = Math.sqrt(3 * variance);
      return randomUniform(shape, -limit, limit);
    }
    if (this.distribution === 'untruncated_normal')
      return randomNormal(shape, 0, Math.sqrt(variance));
    return truncatedNormal(shape, 0, Math.sqrt(variance) / 0.8796256610342398);
  }
}

const PRESETS: Record<string, [number, FanMode, Distribution]> = {
  glorotUniform: [1, 'fan_avg', 'uniform'],
  glorotNormal: [1, 'fan_avg', 'truncated_normal'],
  heNormal: [2, 'fan_in', 'truncated_normal'],
  heUniform: [2, 'fan_in', 'uniform'],
  lecunNormal: [1, 'fan_in', 'truncated_normal'],
  lecunUniform: [1, 'fan_in', 'uniform'],
};

/** Names accepted wherever an initializer is asked for. */
export type InitializerIdentifier =
  | 'zeros'
  | 'ones'
  | 'glorotUniform'
  | 'glorotNormal'
  | 'heNormal'
  | 'heUniform'
  | 'lecunNormal'
  | 'lecunUniform'
  | 'randomNormal'
  | 'randomUniform'
  | 'truncatedNormal'
  | 'orthogonal'
  | (string & {});

function camel(s: string): string {
  return s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Resolves a name ('glorotUniform', 'glorot_uniform', 'heNormal', 'zeros', ...) or object. */
export function getInitializer(
  id: InitializerIdentifier | Initializer,
  owner = 'layer',
): Initializer {
  if (typeof id === 'object' && id !== null && typeof id.apply === 'function') return id;
  if (typeof id !== 'string')
    throw new Error(`${owner}: an initializer must be a name or an Initializer object`);
  const name = camel(id);
  const key = name.charAt(0).toLowerCase() + name.slice(1);
  if (key === 'zeros') return new Constant(0, 'Zeros');
  if (key === 'ones') return new Constant(1, 'Ones');
  if (key === 'randomNormal') return new RandomNormalInit();
  if (key === 'randomUniform') return new RandomUniformInit();
  if (key === 'truncatedNormal') return new TruncatedNormalInit();
  if (key === 'orthogonal') return new OrthogonalInit();
  const p = PRESETS[key];
  if (p !== undefined) return new VarianceScaling(p[0], p[1], p[2]);
  throw new Error(
    `${owner}: unknown initializer '${id}'; expected one of zeros, ones, ${Object.keys(PRESETS).join(', ')}, randomNormal, randomUniform, truncatedNormal, orthogonal`,
  );
}

/** Rebuilds an initializer from its Keras JSON ({ class_name, config }). */
export function initializerFromConfig(json: unknown, owner = 'layer'): Initializer {
  if (json === null || json === undefined) return new Constant(0, 'Zeros');
  if (typeof json === 'string') return getInitializer(json, owner);
  const { class_name: cls, config = {} } = json as {
    class_name?: string;
    config?: Record<string, unknown>;
  };
  const c = config as Record<string, number & string & null>;
  switch (cls) {
    case 'Zeros':
      return new Constant(0, 'Zeros');
    case 'Ones':
      return new Constant(1, 'Ones');
    case 'Constant':
      return new Constant(Number(c.value ?? 0));
    case 'RandomNormal':
      return new RandomNormalInit(c.mean ?? 0, c.stddev ?? 0.05, c.seed ?? null);
    case 'RandomUniform':
      return new RandomUniformInit(c.minval ?? -0.05, c.maxval ?? 0.05, c.seed ?? null);
    case 'TruncatedNormal':
      return new TruncatedNormalInit(c.mean ?? 0, c.stddev ?? 0.05, c.seed ?? null);
    case 'Orthogonal':
      return new OrthogonalInit(c.gain ?? 1, c.seed ?? null);
    case 'VarianceScaling': {
      const mode = String(c.mode ?? 'fan_in')
        .replace(/([a-z])([A-Z])/g, '$1_$2')
        .toLowerCase() as FanMode;
      const dist = String(c.distribution ?? 'truncated_normal')
        .replace(/([a-z])([A-Z])/g, '$1_$2')
        .toLowerCase() as Distribution;
      return new VarianceScaling(
        c.scale ?? 1,
        mode,
        dist === ('normal' as Distribution) ? 'truncated_normal' : dist,
        c.seed ?? null,
      );
    }
    default: {
      const preset = PRESETS[camel(String(cls ?? '')).replace(/^./, (ch) => ch.toLowerCase())];
      if (preset !== undefined)
        return new VarianceScaling(preset[0], preset[1], preset[2], c.seed ?? null);
      throw new Error(`${owner}: unknown initializer class '${String(cls)}' in the model config`);
    }
  }
}

/** Serializes an initializer as Keras JSON. */
export function initializerToConfig(init: Initializer): {
  class_name: string;
  config: Record<string, unknown>;
} {
  return { class_name: init.className, config: init.getConfig() };
}
