// Optimizer kernels: one fused, in-place update per optimizer over n float32 elements.
//
// `w` is the weight, `g` its gradient (read only); the other pointers are the optimizer's
// slot arrays (same length), updated in place. Every formula follows TF.js's tfjs-core
// optimizers, operation for operation (so results track tf.train.* to a few ulps):
//
//   sgdStep       w = w + (-lr) * g
//   momentumStep  a = momentum * a + g
//                 w = w + (-lr) * a                       (nesterov = 0)
//                 w = w + (-lr) * (g + a * momentum)      (nesterov != 0)
//   adamStep      w = w - (lr * weightDecay) * w          (only when weightDecay != 0: AdamW)
//                 m = m * beta1 + g * (1 - beta1)
//                 v = v * beta2 + g^2 * (1 - beta2)
//                 w = w + ((m / bc1) / (sqrt(v / bc2) + epsilon)) * (-lr)
//                 with bc1 = 1 - beta1^t, bc2 = 1 - beta2^t passed in by the caller
//   rmspropStep   ms = ms * rho + g^2 * (1 - rho)
//                 centered = 0:  mom = mom * momentum + (g * lr) / sqrt(ms + epsilon)
//                 centered != 0: mg = mg * rho + g * (1 - rho)
//                                mom = mom * momentum + (g * lr) / sqrt((ms - mg^2) + epsilon)
//                 w = w - mom
//                 (`mg` is not touched, and may be 0, when centered = 0)
//   adagradStep   a = a + g^2
//                 w = w + (g / sqrt(a + epsilon)) * (-lr)
//
// beta1, beta2 and rho are float64 arguments: the kernels use float32(beta) and
// float32(1 - beta) computed in float64, as TF.js does (1 - float32(0.999) is 1.3e-5 off).
//
// Only single IEEE operations are used (add, sub, mul, div, sqrt; no fused multiply-add), in
// the same order in the SIMD loops and the scalar ones, so each fast kernel and its Ref agree
// bit for bit, on both builds.

// ---------------------------------------------------------------------------------------------
// Scalar steps (one element), shared by the Ref kernels and the tails of the fast ones.

// @ts-ignore: decorator
@inline function sgdOne(w: usize, g: usize, nlr: f32): void {
  store<f32>(w, load<f32>(w) + nlr * load<f32>(g));
}

// @ts-ignore: decorator
@inline function momentumOne(
  w: usize,
  g: usize,
  a: usize,
  nlr: f32,
  momentum: f32,
  nesterov: i32,
): void {
  const gi = load<f32>(g);
  const acc = momentum * load<f32>(a) + gi;
  store<f32>(a, acc);
  const step = nesterov != 0 ? gi + acc * momentum : acc;
  store<f32>(w, load<f32>(w) + nlr * step);
}

// @ts-ignore: decorator
@inline function adamOne(
  w: usize,
  g: usize,
  m: usize,
  v: usize,
  nlr: f32,
  beta1: f32,
  omb1: f32,
  beta2: f32,
  omb2: f32,
  epsilon: f32,
  bc1: f32,
  bc2: f32,
  lrwd: f32,
): void {
  let wi = load<f32>(w);
  if (lrwd != 0) wi = wi - lrwd * wi;
  const gi = load<f32>(g);
  const mi = load<f32>(m) * beta1 + gi * omb1;
  const vi = load<f32>(v) * beta2 + gi * gi * omb2;
  store<f32>(m, mi);
  store<f32>(v, vi);
  store<f32>(w, wi + (mi / bc1 / (Mathf.sqrt(vi / bc2) + epsilon)) * nlr);
}

// @ts-ignore: decorator
@inline function rmspropOne(
  w: usize,
  g: usize,
  ms: usize,
  mom: usize,
  mg: usize,
  lr: f32,
  rho: f32,
  omr: f32,
  momentum: f32,
  epsilon: f32,
  centered: i32,
): void {
  const gi = load<f32>(g);
  const msi = load<f32>(ms) * rho + gi * gi * omr;
  store<f32>(ms, msi);
  let denom: f32;
  if (centered != 0) {
    const mgi = load<f32>(mg) * rho + gi * omr;
    store<f32>(mg, mgi);
    denom = Mathf.sqrt(msi - mgi * mgi + epsilon);
  } else {
    denom = Mathf.sqrt(msi + epsilon);
  }
  const momi = load<f32>(mom) * momentum + (gi * lr) / denom;
  store<f32>(mom, momi);
  store<f32>(w, load<f32>(w) - momi);
}

// @ts-ignore: decorator
@inline function adagradOne(w: usize, g: usize, a: usize, nlr: f32, epsilon: f32): void {
  const gi = load<f32>(g);
  const acc = load<f32>(a) + gi * gi;
  store<f32>(a, acc);
  store<f32>(w, load<f32>(w) + (gi / Mathf.sqrt(acc + epsilon)) * nlr);
}

// ---------------------------------------------------------------------------------------------
// SGD

/** Plain SGD: w[i] += -lr * g[i] for i < n. */
export function sgdStep(w: usize, g: usize, n: i32, lr: f32): void {
  const nlr = -lr;
  const vnlr = f32x4.splat(nlr);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(w + o, f32x4.add(v128.load(w + o), f32x4.mul(vnlr, v128.load(g + o))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    sgdOne(w + o, g + o, nlr);
  }
}

/** Scalar reference of {@link sgdStep}. */
export function sgdStepRef(w: usize, g: usize, n: i32, lr: f32): void {
  const nlr = -lr;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    sgdOne(w + o, g + o, nlr);
  }
}

// ---------------------------------------------------------------------------------------------
// Momentum (TF.js tf.train.momentum)

/** Momentum SGD (Nesterov when `nesterov` != 0), updating the accumulator `accum` in place. */
export function momentumStep(
  w: usize,
  g: usize,
  accum: usize,
  n: i32,
  lr: f32,
  momentum: f32,
  nesterov: i32,
): void {
  const nlr = -lr;
  const vnlr = f32x4.splat(nlr);
  const vmom = f32x4.splat(momentum);
  const n4 = n & ~3;
  let i = 0;
  if (nesterov != 0) {
    for (; i < n4; i += 4) {
      const o = <usize>i << 2;
      const gi = v128.load(g + o);
      const acc = f32x4.add(f32x4.mul(vmom, v128.load(accum + o)), gi);
      v128.store(accum + o, acc);
      const step = f32x4.add(gi, f32x4.mul(acc, vmom));
      v128.store(w + o, f32x4.add(v128.load(w + o), f32x4.mul(vnlr, step)));
    }
  } else {
    for (; i < n4; i += 4) {
      const o = <usize>i << 2;
      const acc = f32x4.add(f32x4.mul(vmom, v128.load(accum + o)), v128.load(g + o));
      v128.store(accum + o, acc);
      v128.store(w + o, f32x4.add(v128.load(w + o), f32x4.mul(vnlr, acc)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    momentumOne(w + o, g + o, accum + o, nlr, momentum, nesterov);
  }
}

/** Scalar reference of {@link momentumStep}. */
export function momentumStepRef(
  w: usize,
  g: usize,
  accum: usize,
  n: i32,
  lr: f32,
  momentum: f32,
  nesterov: i32,
): void {
  const nlr = -lr;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    momentumOne(w + o, g + o, accum + o, nlr, momentum, nesterov);
  }
}

// ---------------------------------------------------------------------------------------------
// Adam / AdamW (TF.js tf.train.adam; decoupled weight decay as Keras AdamW)

/**
 * One Adam step with bias corrections bc1 = 1 - beta1^t and bc2 = 1 - beta2^t; with
 * `weightDecay` != 0, first w -= lr * weightDecay * w (AdamW).
 */
export function adamStep(
  w: usize,
  g: usize,
  m: usize,
  v: usize,
  n: i32,
  lr: f32,
  beta1: f64,
  beta2: f64,
  epsilon: f32,
  biasCorrection1: f32,
  biasCorrection2: f32,
  weightDecay: f32,
): void {
  const nlr = -lr;
  const b1 = <f32>beta1;
  const b2 = <f32>beta2;
  const omb1 = <f32>(1 - beta1);
  const omb2 = <f32>(1 - beta2);
  const lrwd: f32 = lr * weightDecay;
  const vnlr = f32x4.splat(nlr);
  const vb1 = f32x4.splat(b1);
  const vb2 = f32x4.splat(b2);
  const vomb1 = f32x4.splat(omb1);
  const vomb2 = f32x4.splat(omb2);
  const veps = f32x4.splat(epsilon);
  const vbc1 = f32x4.splat(biasCorrection1);
  const vbc2 = f32x4.splat(biasCorrection2);
  const vlrwd = f32x4.splat(lrwd);
  const decay = lrwd != 0;
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    let wi = v128.load(w + o);
    if (decay) wi = f32x4.sub(wi, f32x4.mul(vlrwd, wi));
    const gi = v128.load(g + o);
    const mi = f32x4.add(f32x4.mul(v128.load(m + o), vb1), f32x4.mul(gi, vomb1));
    const vi = f32x4.add(f32x4.mul(v128.load(v + o), vb2), f32x4.mul(f32x4.mul(gi, gi), vomb2));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    const den = f32x4.add(f32x4.sqrt(f32x4.div(vi, vbc2)), veps);
    v128.store(w + o, f32x4.add(wi, f32x4.mul(f32x4.div(f32x4.div(mi, vbc1), den), vnlr)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    adamOne(
      w + o,
      g + o,
      m + o,
      v + o,
      nlr,
      b1,
      omb1,
      b2,
      omb2,
      epsilon,
      biasCorrection1,
      biasCorrection2,
      lrwd,
    );
  }
}

/** Scalar reference of {@link adamStep}. */
export function adamStepRef(
  w: usize,
  g: usize,
  m: usize,
  v: usize,
  n: i32,
  lr: f32,
  beta1: f64,
  beta2: f64,
  epsilon: f32,
  biasCorrection1: f32,
  biasCorrection2: f32,
  weightDecay: f32,
): void {
  const nlr = -lr;
  const b1 = <f32>beta1;
  const b2 = <f32>beta2;
  const omb1 = <f32>(1 - beta1);
  const omb2 = <f32>(1 - beta2);
  const lrwd: f32 = lr * weightDecay;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    adamOne(
      w + o,
      g + o,
      m + o,
      v + o,
      nlr,
      b1,
      omb1,
      b2,
      omb2,
      epsilon,
      biasCorrection1,
      biasCorrection2,
      lrwd,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// RMSProp (TF.js tf.train.rmsprop; centered variant with +epsilon as TF's ApplyCenteredRMSProp)

/**
 * One RMSProp step: `ms` mean square, `mom` momentum accumulator, `mg` mean gradient (only
 * read and written when `centered` != 0).
 */
export function rmspropStep(
  w: usize,
  g: usize,
  ms: usize,
  mom: usize,
  mg: usize,
  n: i32,
  lr: f32,
  rho: f64,
  momentum: f32,
  epsilon: f32,
  centered: i32,
): void {
  const r = <f32>rho;
  const omr = <f32>(1 - rho);
  const vlr = f32x4.splat(lr);
  const vrho = f32x4.splat(r);
  const vomr = f32x4.splat(omr);
  const vmom = f32x4.splat(momentum);
  const veps = f32x4.splat(epsilon);
  const n4 = n & ~3;
  let i = 0;
  if (centered != 0) {
    for (; i < n4; i += 4) {
      const o = <usize>i << 2;
      const gi = v128.load(g + o);
      const msi = f32x4.add(f32x4.mul(v128.load(ms + o), vrho), f32x4.mul(f32x4.mul(gi, gi), vomr));
      v128.store(ms + o, msi);
      const mgi = f32x4.add(f32x4.mul(v128.load(mg + o), vrho), f32x4.mul(gi, vomr));
      v128.store(mg + o, mgi);
      const den = f32x4.sqrt(f32x4.add(f32x4.sub(msi, f32x4.mul(mgi, mgi)), veps));
      const momi = f32x4.add(f32x4.mul(v128.load(mom + o), vmom), f32x4.div(f32x4.mul(gi, vlr), den));
      v128.store(mom + o, momi);
      v128.store(w + o, f32x4.sub(v128.load(w + o), momi));
    }
  } else {
    for (; i < n4; i += 4) {
      const o = <usize>i << 2;
      const gi = v128.load(g + o);
      const msi = f32x4.add(f32x4.mul(v128.load(ms + o), vrho), f32x4.mul(f32x4.mul(gi, gi), vomr));
      v128.store(ms + o, msi);
      const den = f32x4.sqrt(f32x4.add(msi, veps));
      const momi = f32x4.add(f32x4.mul(v128.load(mom + o), vmom), f32x4.div(f32x4.mul(gi, vlr), den));
      v128.store(mom + o, momi);
      v128.store(w + o, f32x4.sub(v128.load(w + o), momi));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    rmspropOne(w + o, g + o, ms + o, mom + o, mg + o, lr, r, omr, momentum, epsilon, centered);
  }
}

/** Scalar reference of {@link rmspropStep}. */
export function rmspropStepRef(
  w: usize,
  g: usize,
  ms: usize,
  mom: usize,
  mg: usize,
  n: i32,
  lr: f32,
  rho: f64,
  momentum: f32,
  epsilon: f32,
  centered: i32,
): void {
  const r = <f32>rho;
  const omr = <f32>(1 - rho);
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    rmspropOne(w + o, g + o, ms + o, mom + o, mg + o, lr, r, omr, momentum, epsilon, centered);
  }
}

// ---------------------------------------------------------------------------------------------
// Adagrad (TF.js tf.train.adagrad)

/** One Adagrad step, accumulating squared gradients in `accum`. */
export function adagradStep(w: usize, g: usize, accum: usize, n: i32, lr: f32, epsilon: f32): void {
  const nlr = -lr;
  const vnlr = f32x4.splat(nlr);
  const veps = f32x4.splat(epsilon);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    const gi = v128.load(g + o);
    const acc = f32x4.add(v128.load(accum + o), f32x4.mul(gi, gi));
    v128.store(accum + o, acc);
    const step = f32x4.div(gi, f32x4.sqrt(f32x4.add(acc, veps)));
    v128.store(w + o, f32x4.add(v128.load(w + o), f32x4.mul(step, vnlr)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    adagradOne(w + o, g + o, accum + o, nlr, epsilon);
  }
}

/** Scalar reference of {@link adagradStep}. */
export function adagradStepRef(
  w: usize,
  g: usize,
  accum: usize,
  n: i32,
  lr: f32,
  epsilon: f32,
): void {
  const nlr = -lr;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    adagradOne(w + o, g + o, accum + o, nlr, epsilon);
  }
}
