// Time-series helpers for the forecaster: sliding windows, scalers, baselines and RMSE.
import { type Tensor, tensor } from '@zoo/core';

/** A univariate series (one value per step) or a multivariate one (`[step][feature]`). */
export type Series = ArrayLike<number> | readonly (readonly number[])[];

/** The series as rows of features: [steps, features]. */
function rows(fn: string, series: Series): { data: Float64Array; steps: number; features: number } {
  const n = series.length;
  if (n === 0) throw new Error(`${fn}: the series is empty`);
  const first = series[0] as unknown;
  if (Array.isArray(first)) {
    const features = first.length;
    if (features < 1) throw new Error(`${fn}: step 0 has no features`);
    const data = new Float64Array(n * features);
    for (let t = 0; t < n; t++) {
      const r = series[t] as unknown as readonly number[];
      if (!Array.isArray(r) || r.length !== features) {
        throw new Error(
          `${fn}: step ${t} has ${Array.isArray(r) ? r.length : 'no'} features, step 0 has ${features}`,
        );
      }
      for (let f = 0; f < features; f++) data[t * features + f] = r[f];
    }
    return { data, steps: n, features };
  }
  const data = Float64Array.from(series as ArrayLike<number>);
  return { data, steps: n, features: 1 };
}

function checkFinite(fn: string, data: ArrayLike<number>): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]))
      throw new Error(`${fn}: value ${data[i]} at index ${i} is not finite`);
  }
}

function checkInt(fn: string, name: string, v: unknown, min: number): number {
  if (!Number.isInteger(v) || (v as number) < min) {
    throw new Error(`${fn}: ${name} must be an integer >= ${min}, got ${String(v)}`);
  }
  return v as number;
}

/** Result of {@link windowed}. */
export interface Windows {
  /** Inputs [n, inputSteps, features]. */
  x: Tensor;
  /** Targets [n, horizon * features]: the next `horizon` steps, step-major (step, then feature). */
  y: Tensor;
}

/**
 * Supervised windows of a series: sample i reads steps i .. i+inputSteps-1 (x) and must
 * predict steps i+inputSteps .. i+inputSteps+horizon-1 (y), so there are
 * n = steps - inputSteps - horizon + 1 samples (every `stride`-th one with `stride`).
 * x is [n, inputSteps, features], y is [n, horizon * features] (a univariate series has one
 * feature, so y is [n, horizon]), ready for {@link forecaster}.
 */
export function windowed(
  series: Series,
  inputSteps: number,
  horizon = 1,
  options: { stride?: number } = {},
): Windows {
  const fn = 'windowed';
  checkInt(fn, 'inputSteps', inputSteps, 1);
  checkInt(fn, 'horizon', horizon, 1);
  const stride = checkInt(fn, 'stride', options.stride ?? 1, 1);
  const { data, steps, features } = rows(fn, series);
  checkFinite(fn, data);
  const total = steps - inputSteps - horizon + 1;
  if (total < 1) {
    throw new Error(
      `${fn}: a series of ${steps} steps is too short for ${inputSteps} input steps and a horizon of ${horizon} (needs at least ${inputSteps + horizon})`,
    );
  }
  const n = Math.ceil(total / stride);
  const xs = new Float32Array(n * inputSteps * features);
  const ys = new Float32Array(n * horizon * features);
  for (let s = 0; s < n; s++) {
    const i = s * stride;
    xs.set(data.subarray(i * features, (i + inputSteps) * features), s * inputSteps * features);
    ys.set(
      data.subarray((i + inputSteps) * features, (i + inputSteps + horizon) * features),
      s * horizon * features,
    );
  }
  return {
    x: tensor(xs, [n, inputSteps, features]),
    y: tensor(ys, [n, horizon * features]),
  };
}

/**
 * A fitted scaler: `fit` learns per-feature statistics (on the training part only, so no
 * information leaks from the test part), `transform` scales, `inverseTransform` undoes it.
 * Values are plain arrays: a univariate series (numbers) or rows of features (`[step][f]`);
 * `inverseTransform` of a flat array with a multivariate fit reads it step-major.
 */
export interface Scaler {
  /** Learns the statistics of `series`; returns the scaler. */
  fit(series: Series): Scaler;
  /** Scaled copy (the input's layout). */
  transform(series: Series): number[] | number[][];
  /** Original-unit copy of scaled values (the input's layout). */
  inverseTransform(series: Series): number[] | number[][];
  /** `fit(series)` then `transform(series)`. */
  fitTransform(series: Series): number[] | number[][];
  /** Per-feature offset and scale learned by `fit`: scaled = (x - offset) / scale. */
  readonly params: { offset: number[]; scale: number[] } | null;
}

function makeScaler(
  name: string,
  stats: (col: Float64Array) => { offset: number; scale: number },
  rangeMin = 0,
): Scaler {
  let params: { offset: number[]; scale: number[] } | null = null;
  const apply = (series: Series, inverse: boolean): number[] | number[][] => {
    const op = `${name}.${inverse ? 'inverseTransform' : 'transform'}`;
    if (params === null) throw new Error(`${op}: call fit() first`);
    const p = params;
    const { data, steps, features } = rows(op, series);
    const F = p.offset.length;
    if (features !== F && !(features === 1 && F > 1 && data.length % F === 0)) {
      throw new Error(`${op}: the scaler was fitted on ${F} feature(s), got ${features}`);
    }
    const out = new Array<number>(data.length);
    for (let i = 0; i < data.length; i++) {
      const f = i % F;
      out[i] = inverse
        ? (data[i] - rangeMin) * p.scale[f] + p.offset[f]
        : (data[i] - p.offset[f]) / p.scale[f] + rangeMin;
    }
    if (features === 1) return out;
    return Array.from({ length: steps }, (_, t) => out.slice(t * features, (t + 1) * features));
  };
  const s: Scaler = {
    fit(series: Series) {
      const { data, steps, features } = rows(`${name}.fit`, series);
      checkFinite(`${name}.fit`, data);
      const offset: number[] = [];
      const scale: number[] = [];
      for (let f = 0; f < features; f++) {
        const col = new Float64Array(steps);
        for (let t = 0; t < steps; t++) col[t] = data[t * features + f];
        const st = stats(col);
        offset.push(st.offset);
        // A constant feature scales by 1 (as scikit-learn), so transform stays finite.
        scale.push(st.scale > 0 ? st.scale : 1);
      }
      params = { offset, scale };
      return s;
    },
    transform: (series) => apply(series, false),
    inverseTransform: (series) => apply(series, true),
    fitTransform(series) {
      return s.fit(series).transform(series);
    },
    get params() {
      return params && { offset: [...params.offset], scale: [...params.scale] };
    },
  };
  return s;
}

/**
 * Min-max scaling to `[min, max]` (default [0, 1]) per feature, as scikit-learn's
 * MinMaxScaler: x' = (x - dataMin) / (dataMax - dataMin) * (max - min) + min.
 */
export function minMaxScaler(range: [number, number] = [0, 1]): Scaler {
  const [lo, hi] = range;
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo)) {
    throw new Error(`minMaxScaler: range must be [min, max] with min < max, got [${lo}, ${hi}]`);
  }
  return makeScaler(
    'minMaxScaler',
    (col) => {
      let mn = Number.POSITIVE_INFINITY;
      let mx = Number.NEGATIVE_INFINITY;
      for (const v of col) {
        mn = Math.min(mn, v);
        mx = Math.max(mx, v);
      }
      return { offset: mn, scale: (mx - mn) / (hi - lo) };
    },
    lo,
  );
}

/**
 * Standardization per feature, as scikit-learn's StandardScaler: x' = (x - mean) / std
 * (population standard deviation).
 */
export function standardScaler(): Scaler {
  return makeScaler('standardScaler', (col) => {
    let m = 0;
    for (const v of col) m += v;
    m /= col.length;
    let ss = 0;
    for (const v of col) ss += (v - m) * (v - m);
    return { offset: m, scale: Math.sqrt(ss / col.length) };
  });
}

/**
 * The seasonal-naive forecast: each value predicted by the value one season earlier,
 * forecast[i] = series[i] as the prediction of series[i + season]. Returns
 * `series.length - season` forecasts, for steps season .. length-1; e.g. the forecasts of
 * the last 24 months of a monthly series are `seasonalNaive(series, 12).slice(-24)`.
 */
export function seasonalNaive(series: ArrayLike<number>, season: number): number[] {
  checkInt('seasonalNaive', 'season', season, 1);
  if (series.length <= season) {
    throw new Error(
      `seasonalNaive: a series of ${series.length} steps has no step one season (${season}) after its first`,
    );
  }
  return Array.from({ length: series.length - season }, (_, i) => series[i]);
}

/** Root mean squared error: sqrt(mean((actual - predicted)^2)) over equal-length arrays. */
export function rmse(actual: ArrayLike<number>, predicted: ArrayLike<number>): number {
  if (actual.length !== predicted.length) {
    throw new Error(
      `rmse: actual has ${actual.length} values but predicted has ${predicted.length}`,
    );
  }
  if (actual.length === 0) throw new Error('rmse: no values');
  let s = 0;
  for (let i = 0; i < actual.length; i++) {
    const d = actual[i] - predicted[i];
    s += d * d;
  }
  return Math.sqrt(s / actual.length);
}
