// Seeded random numbers: one generator whose state lives in module globals, giving the same
// bits in every runtime (integer arithmetic plus AssemblyScript's pure-wasm Math).
//
// Generator: xoshiro128** 1.1 (Blackman & Vigna), 128-bit state as four u32 words, seeded by
// splitmix64: x = seed (as u64); a = splitmix64(x), b = splitmix64(x) (two successive
// outputs); state = [lo32(a), hi32(a), lo32(b), hi32(b)]. Before any seedRandom call the state
// is that of seedRandom(0); seeding again with the same seed restarts the same stream.
//
// Draw conventions (each output consumes whole 32-bit words, in order):
// - uniform float u = (w >>> 8) * 2^-24 in [0, 1)  (one word per value);
// - normal: Box-Muller in float64 on pairs of words: u1 = (w1 + 1) * 2^-32 in (0, 1],
//   u2 = w2 * 2^-32, z0 = sqrt(-2 ln u1) cos(2 pi u2), z1 = sqrt(-2 ln u1) sin(2 pi u2);
//   out = f32(mean + std * z). A call with odd n drops the last pair's z1 (no hidden cache, so
//   the four state words are the whole state).
// - bounded integers in [0, range): Lemire's multiply-shift with rejection (unbiased).

// State for seedRandom(0).
let s0: u32 = 0x7b1dcdaf;
let s1: u32 = 0xe220a839;
let s2: u32 = 0xa1b965f4;
let s3: u32 = 0x6e789e6a;

@inline function next(): u32 {
  const result = rotl<u32>(s1 * 5, 7) * 9;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl<u32>(s3, 11);
  return result;
}

/** Uniform float32 in [0, 1) with 24 random bits. */
@inline function nextUnit(): f32 {
  return <f32>(next() >>> 8) * 5.9604644775390625e-8;
}

/** Unbiased integer in [0, range), range >= 1 (Lemire 2019). */
@inline function bounded(range: u32): u32 {
  let m = <u64>next() * <u64>range;
  let l = <u32>m;
  if (l < range) {
    const t: u32 = (<u32>0 - range) % range;
    while (l < t) {
      m = <u64>next() * <u64>range;
      l = <u32>m;
    }
  }
  return <u32>(m >> 32);
}

@inline function splitmix64(x: u64): u64 {
  let z = x;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}

/** Restarts the stream from `seed` (see the file comment for the seeding). */
export function seedRandom(seed: u32): void {
  const g: u64 = 0x9e3779b97f4a7c15;
  const a = splitmix64(<u64>seed + g);
  const b = splitmix64(<u64>seed + g + g);
  s0 = <u32>a;
  s1 = <u32>(a >> 32);
  s2 = <u32>b;
  s3 = <u32>(b >> 32);
  if ((s0 | s1 | s2 | s3) == 0) s0 = 1; // unreachable in practice; all-zero state is stuck
}

/** Copies the generator state (4 int32 words s0..s3) to out. */
export function getRandomState(out: usize): void {
  store<u32>(out, s0);
  store<u32>(out, s1, 4);
  store<u32>(out, s2, 8);
  store<u32>(out, s3, 12);
}

/** Sets the generator state from 4 int32 words (as written by getRandomState). An all-zero
 *  state (invalid for xoshiro) is replaced by the state of seedRandom(0). */
export function setRandomState(src: usize): void {
  s0 = load<u32>(src);
  s1 = load<u32>(src, 4);
  s2 = load<u32>(src, 8);
  s3 = load<u32>(src, 12);
  if ((s0 | s1 | s2 | s3) == 0) seedRandom(0);
}

/** Largest float32 below h (h finite). */
@inline function nextDown(h: f32): f32 {
  const b = reinterpret<u32>(h);
  if (h > 0) return reinterpret<f32>(b - 1);
  if (h == 0) return reinterpret<f32>(<u32>0x80000001);
  return reinterpret<f32>(b + 1);
}

/** out[i] uniform in [lo, hi) (float32); lo >= hi fills lo. Computed as
 *  f32(lo + (hi - lo) * u) in float64, with a result that rounds up to hi moved just below. */
export function randomUniform(out: usize, n: i32, lo: f32, hi: f32): void {
  const span = <f64>hi - <f64>lo;
  const below = nextDown(hi);
  // The state lives in locals in this loop (V8 keeps wasm globals in memory); same steps as next().
  let a = s0;
  let b = s1;
  let c = s2;
  let d = s3;
  for (let i = 0; i < n; i++) {
    const w = rotl<u32>(b * 5, 7) * 9;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl<u32>(d, 11);
    let v = <f32>(<f64>lo + span * <f64>(<f32>(w >>> 8) * 5.9604644775390625e-8));
    if (v >= hi) v = lo < hi ? below : lo;
    store<f32>(out + (<usize>i << 2), v);
  }
  s0 = a;
  s1 = b;
  s2 = c;
  s3 = d;
}

const TWO_PI: f64 = 6.283185307179586;
const INV_2_32: f64 = 2.3283064365386963e-10;

// Box-Muller pair, results left in these module globals (avoids a managed return).
let bmZ0: f64 = 0;
let bmZ1: f64 = 0;

@inline function boxMuller(): void {
  const u1 = (<f64>next() + 1.0) * INV_2_32;
  const u2 = <f64>next() * INV_2_32;
  const r = Math.sqrt(-2.0 * Math.log(u1));
  const th = TWO_PI * u2;
  bmZ0 = r * Math.cos(th);
  bmZ1 = r * Math.sin(th);
}

/** out[i] = f32(mean + std * z), z standard normal (Box-Muller, see the file comment). */
export function randomNormal(out: usize, n: i32, mean: f32, std: f32): void {
  const m = <f64>mean;
  const s = <f64>std;
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    boxMuller();
    store<f32>(out + (<usize>i << 2), <f32>(m + s * bmZ0));
    store<f32>(out + (<usize>i << 2), <f32>(m + s * bmZ1), 4);
  }
  if (i < n) {
    boxMuller();
    store<f32>(out + (<usize>i << 2), <f32>(m + s * bmZ0));
  }
}

/** Like randomNormal, but z with |z| > 2 is dropped and redrawn (TF's truncated normal):
 *  values stay within mean +- 2 std. Pairs are used in order z0, z1. */
export function truncatedNormal(out: usize, n: i32, mean: f32, std: f32): void {
  const m = <f64>mean;
  const s = <f64>std;
  let i = 0;
  while (i < n) {
    boxMuller();
    if (Math.abs(bmZ0) <= 2.0) {
      store<f32>(out + (<usize>i << 2), <f32>(m + s * bmZ0));
      i++;
    }
    if (i < n && Math.abs(bmZ1) <= 2.0) {
      store<f32>(out + (<usize>i << 2), <f32>(m + s * bmZ1));
      i++;
    }
  }
}

/** int32 out[i] uniform in [lo, hi) without modulo bias; hi <= lo fills lo. */
export function randomInt(out: usize, n: i32, lo: i32, hi: i32): void {
  if (hi <= lo) {
    for (let i = 0; i < n; i++) store<i32>(out + (<usize>i << 2), lo);
    return;
  }
  const range = <u32>hi - <u32>lo;
  for (let i = 0; i < n; i++) {
    store<i32>(out + (<usize>i << 2), lo + <i32>bounded(range));
  }
}

/** Fisher-Yates shuffle of n int32 in place (i from n-1 down to 1 swaps with j in [0, i]). */
export function shuffleI32(ptr: usize, n: i32): void {
  for (let i = n - 1; i > 0; i--) {
    const j = <i32>bounded(<u32>(i + 1));
    const pi = ptr + (<usize>i << 2);
    const pj = ptr + (<usize>j << 2);
    const t = load<i32>(pi);
    store<i32>(pi, load<i32>(pj));
    store<i32>(pj, t);
  }
}

/** out[i] = u >= rate ? 1 / (1 - rate) : 0 with u uniform in [0, 1) (one word each); rate in
 *  [0, 1) (rate >= 1 drops everything). */
export function dropoutMask(out: usize, n: i32, rate: f32): void {
  const scale: f32 = rate >= 1 ? 0 : <f32>1 / (<f32>1 - rate);
  const scaleBits = reinterpret<u32>(scale);
  // State in locals as in randomUniform; same steps as next() and nextUnit().
  let a = s0;
  let b = s1;
  let c = s2;
  let d = s3;
  for (let i = 0; i < n; i++) {
    const w = rotl<u32>(b * 5, 7) * 9;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl<u32>(d, 11);
    const u = <f32>(w >>> 8) * 5.9604644775390625e-8;
    // Branch-free (u >= rate ? scale : 0): V8 turns float selects into branches.
    const keep = <u32>(u >= rate);
    store<u32>(out + (<usize>i << 2), scaleBits & (<u32>0 - keep));
  }
  s0 = a;
  s1 = b;
  s2 = c;
  s3 = d;
}
