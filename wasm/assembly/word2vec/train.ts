// Word2Vec training kernels (word2vec.c semantics): skip-gram and CBOW, negative sampling and
// hierarchical softmax, sub-sampling, randomly reduced windows, linear alpha decay.
//
// Everything a call needs comes through two structs in linear memory, so a call is reentrant
// and several threads (each with its own instance over one shared memory) can train their own
// ranges of sentences on the same weights, Hogwild style:
//
// Model struct (shared, read only here; i32/pointer fields, byte offsets):
//   0 syn0       f32 [vocab x stride] input vectors
//   4 syn1neg    f32 [vocab x stride] negative-sampling output vectors (when negative > 0)
//   8 syn1       f32 [vocab x stride] hierarchical-softmax node vectors (when hs = 1)
//  12 stride     floats per row, a multiple of 4 (rows padded with zeros, 16-byte aligned)
//  16 dim        the vector size (<= stride); the Ref kernel only touches the first dim floats
//  20 vocab      vocabulary size
//  24 window     maximum window (>= 1)
//  28 negative   negative samples per target (0: none)
//  32 hs         1: hierarchical softmax
//  36 sg         1: skip-gram, 0: CBOW
//  40 cbowMean   1: CBOW averages the context, 0: sums it
//  44 sample     1: sub-sample frequent words with the keep table
//  48 keep       u32 [vocab]: a word is kept when rand32 <= keep[w] (0xFFFFFFFF: always)
//  52 alias      [vocab] pairs (u32 threshold, i32 alias): the noise distribution, Walker's
//                alias method (j = uniform index; j if rand32 < threshold[j], else alias[j])
//  56 codeStart  i32 [vocab + 1]: word w's Huffman code is codes/points[codeStart[w] ..
//                codeStart[w + 1])
//  60 codes      u8 [total code length]: 0/1 branch codes, root first
//  64 points     i32 [total code length]: inner-node rows of syn1, root first
//  68 tables     f32 [2 x 1000] filled by w2vInitTables
//  72 maxSentence the longest sentence trained at once (longer runs are split, never dropped)
//
// Job struct (one per thread; byte offsets):
//   0 tokens   i32 [nTokens] word ids; -1 ends a sentence
//   4 nTokens
//   8 sent     i32 [maxSentence] scratch
//  12 reduce   i32 [maxSentence] scratch
//  16 neu1     f32 [stride] scratch (16-byte aligned)
//  20 neu1e    f32 [stride] scratch (16-byte aligned)
//  24 alpha0   f32: learning rate at the first token of the job
//  28 alpha1   f32: learning rate at the end of the job (linear in between, per sentence)
//  32 rng      u64 word2vec.c's LCG state, advanced in place
//  40 loss     f64, accumulated: sum of -log sigmoid(+-f) over every output trained
//  48 words    f64, accumulated: tokens (ids >= 0) read
//  56 trained  f64, accumulated: tokens kept by sub-sampling and trained

const MAX_EXP: f32 = 6.0;
const EXP_TABLE_SIZE: i32 = 1000;
const TABLE_SCALE: f32 = <f32>EXP_TABLE_SIZE / MAX_EXP / 2.0;

const M_SYN0: usize = 0;
const M_SYN1NEG: usize = 4;
const M_SYN1: usize = 8;
const M_STRIDE: usize = 12;
const M_DIM: usize = 16;
const M_VOCAB: usize = 20;
const M_WINDOW: usize = 24;
const M_NEGATIVE: usize = 28;
const M_HS: usize = 32;
const M_SG: usize = 36;
const M_CBOW_MEAN: usize = 40;
const M_SAMPLE: usize = 44;
const M_KEEP: usize = 48;
const M_ALIAS: usize = 52;
const M_CODE_START: usize = 56;
const M_CODES: usize = 60;
const M_POINTS: usize = 64;
const M_TABLES: usize = 68;
const M_MAX_SENTENCE: usize = 72;

const J_TOKENS: usize = 0;
const J_NTOKENS: usize = 4;
const J_SENT: usize = 8;
const J_REDUCE: usize = 12;
const J_NEU1: usize = 16;
const J_NEU1E: usize = 20;
const J_ALPHA0: usize = 24;
const J_ALPHA1: usize = 28;
const J_RNG: usize = 32;
const J_LOSS: usize = 40;
const J_WORDS: usize = 48;
const J_TRAINED: usize = 56;

/**
 * Fills `ptr` with 2 x 1000 f32: word2vec.c's EXP_TABLE (sigmoid at 1000 points over
 * [-6, 6)), then -log(sigmoid) at the same points (for the loss).
 */
export function w2vInitTables(ptr: usize): void {
  for (let i = 0; i < EXP_TABLE_SIZE; i++) {
    const e = Math.exp(((<f64>i / <f64>EXP_TABLE_SIZE) * 2.0 - 1.0) * <f64>MAX_EXP);
    const s = e / (e + 1.0);
    store<f32>(ptr + (<usize>i << 2), <f32>s);
    store<f32>(ptr + (<usize>(i + EXP_TABLE_SIZE) << 2), <f32>-Math.log(s));
  }
}

/** `Math.pow` in wasm (so the noise distribution is the same bits in every JS engine). */
export function w2vPow(x: f64, y: f64): f64 {
  return Math.pow(x, y);
}

/** Trains every sentence of a job (SIMD inner loops over `stride` floats). */
export function w2vTrain(model: usize, job: usize): void {
  trainJob<v128>(model, job);
}

/** Scalar reference of {@link w2vTrain} (plain loops over `dim` floats). */
export function w2vTrainRef(model: usize, job: usize): void {
  trainJob<f32>(model, job);
}

// gensim's random_int32: the upper 32 of the LCG's 48 low bits, then advance.
@inline
function rand32(job: usize): u32 {
  const r = load<u64>(job, J_RNG);
  store<u64>(job, r * 25214903917 + 11, J_RNG);
  return <u32>(r >> 16);
}

@inline
function sigmoid(tables: usize, f: f32): f32 {
  return load<f32>(tables + (<usize>(<i32>((f + MAX_EXP) * TABLE_SCALE)) << 2));
}

// -log(sigmoid(x)): tabulated in range, ~0 above it, ~-x below it.
@inline
function negLogSigmoid(tables: usize, x: f32): f64 {
  if (x >= MAX_EXP) return 0;
  if (x <= -MAX_EXP) return <f64>-x;
  return <f64>(
    load<f32>(tables + (<usize>(<i32>((x + MAX_EXP) * TABLE_SCALE) + EXP_TABLE_SIZE) << 2))
  );
}

@inline
function dot<T>(a: usize, b: usize, stride: i32, dim: i32): f32 {
  if (sizeof<T>() == 16) {
    const bytes = <usize>stride << 2;
    let s0 = f32x4.splat(0);
    let s1 = f32x4.splat(0);
    let s2 = f32x4.splat(0);
    let s3 = f32x4.splat(0);
    let i: usize = 0;
    for (; i + 64 <= bytes; i += 64) {
      s0 = f32x4.add(s0, f32x4.mul(v128.load(a + i), v128.load(b + i)));
      s1 = f32x4.add(s1, f32x4.mul(v128.load(a + i, 16), v128.load(b + i, 16)));
      s2 = f32x4.add(s2, f32x4.mul(v128.load(a + i, 32), v128.load(b + i, 32)));
      s3 = f32x4.add(s3, f32x4.mul(v128.load(a + i, 48), v128.load(b + i, 48)));
    }
    for (; i < bytes; i += 16) {
      s0 = f32x4.add(s0, f32x4.mul(v128.load(a + i), v128.load(b + i)));
    }
    const s = f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3));
    return (
      f32x4.extract_lane(s, 0) +
      f32x4.extract_lane(s, 1) +
      (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3))
    );
  } else {
    let s: f32 = 0;
    for (let i = 0; i < dim; i++) {
      s += load<f32>(a + (<usize>i << 2)) * load<f32>(b + (<usize>i << 2));
    }
    return s;
  }
}

// acc += g * l2; l2 += g * l1 (acc takes l2's old value), in one pass.
@inline
function update<T>(acc: usize, l2: usize, l1: usize, g: f32, stride: i32, dim: i32): void {
  if (sizeof<T>() == 16) {
    const bytes = <usize>stride << 2;
    const gv = f32x4.splat(g);
    for (let i: usize = 0; i < bytes; i += 16) {
      const w = v128.load(l2 + i);
      v128.store(acc + i, f32x4.add(v128.load(acc + i), f32x4.mul(gv, w)));
      v128.store(l2 + i, f32x4.add(w, f32x4.mul(gv, v128.load(l1 + i))));
    }
  } else {
    for (let i = 0; i < dim; i++) {
      const o = <usize>i << 2;
      const w = load<f32>(l2 + o);
      store<f32>(acc + o, load<f32>(acc + o) + g * w);
      store<f32>(l2 + o, w + g * load<f32>(l1 + o));
    }
  }
}

// y += x
@inline
function addTo<T>(y: usize, x: usize, stride: i32, dim: i32): void {
  if (sizeof<T>() == 16) {
    const bytes = <usize>stride << 2;
    for (let i: usize = 0; i < bytes; i += 16) {
      v128.store(y + i, f32x4.add(v128.load(y + i), v128.load(x + i)));
    }
  } else {
    for (let i = 0; i < dim; i++) {
      const o = <usize>i << 2;
      store<f32>(y + o, load<f32>(y + o) + load<f32>(x + o));
    }
  }
}

// y *= a
@inline
function scale<T>(y: usize, a: f32, stride: i32, dim: i32): void {
  if (sizeof<T>() == 16) {
    const bytes = <usize>stride << 2;
    const av = f32x4.splat(a);
    for (let i: usize = 0; i < bytes; i += 16) {
      v128.store(y + i, f32x4.mul(v128.load(y + i), av));
    }
  } else {
    for (let i = 0; i < dim; i++) {
      const o = <usize>i << 2;
      store<f32>(y + o, load<f32>(y + o) * a);
    }
  }
}

@inline
function zero<T>(y: usize, stride: i32, dim: i32): void {
  if (sizeof<T>() == 16) {
    const bytes = <usize>stride << 2;
    const z = f32x4.splat(0);
    for (let i: usize = 0; i < bytes; i += 16) v128.store(y + i, z);
  } else {
    for (let i = 0; i < dim; i++) store<f32>(y + (<usize>i << 2), 0);
  }
}

// One noise word: Walker's alias method over the unigram^nsExponent distribution.
@inline
function drawNoise(job: usize, alias: usize, vocab: i32): i32 {
  const j = <i32>((<u64>rand32(job) * <u64>vocab) >> 32);
  const e = alias + (<usize>j << 3);
  return rand32(job) < load<u32>(e) ? j : load<i32>(e, 4);
}

// Trains the output layer(s) for input vector l1 predicting `word`; accumulates the input's
// gradient in neu1e (zeroed by the caller) and the loss in the job.
function outputs<T>(model: usize, job: usize, l1: usize, word: i32, alpha: f32): void {
  const stride = load<i32>(model, M_STRIDE);
  const dim = load<i32>(model, M_DIM);
  const rowShift = <usize>stride << 2;
  const tables = load<usize>(model, M_TABLES);
  const neu1e = load<usize>(job, J_NEU1E);
  let loss: f64 = 0;
  if (load<i32>(model, M_HS) != 0) {
    const syn1 = load<usize>(model, M_SYN1);
    const cs = load<usize>(model, M_CODE_START) + (<usize>word << 2);
    const codes = load<usize>(model, M_CODES);
    const points = load<usize>(model, M_POINTS);
    const end = load<i32>(cs, 4);
    for (let d = load<i32>(cs); d < end; d++) {
      const l2 = syn1 + <usize>load<i32>(points + (<usize>d << 2)) * rowShift;
      const f = dot<T>(l1, l2, stride, dim);
      const code = <f32>load<u8>(codes + <usize>d);
      loss += negLogSigmoid(tables, code != 0 ? -f : f);
      if (f <= -MAX_EXP || f >= MAX_EXP) continue;
      const g: f32 = (<f32>1 - code - sigmoid(tables, f)) * alpha;
      update<T>(neu1e, l2, l1, g, stride, dim);
    }
  }
  const negative = load<i32>(model, M_NEGATIVE);
  if (negative > 0) {
    const syn1neg = load<usize>(model, M_SYN1NEG);
    const alias = load<usize>(model, M_ALIAS);
    const vocab = load<i32>(model, M_VOCAB);
    for (let d = 0; d <= negative; d++) {
      let target = word;
      let label: f32 = 1;
      if (d > 0) {
        target = drawNoise(job, alias, vocab);
        if (target == word) continue;
        label = 0;
      }
      const l2 = syn1neg + <usize>target * rowShift;
      const f = dot<T>(l1, l2, stride, dim);
      loss += negLogSigmoid(tables, label != 0 ? f : -f);
      let g: f32;
      if (f > MAX_EXP) g = label - 1;
      else if (f < -MAX_EXP) g = label;
      else g = label - sigmoid(tables, f);
      update<T>(neu1e, l2, l1, g * alpha, stride, dim);
    }
  }
  store<f64>(job, load<f64>(job, J_LOSS) + loss, J_LOSS);
}

function trainJob<T>(model: usize, job: usize): void {
  const stride = load<i32>(model, M_STRIDE);
  const dim = load<i32>(model, M_DIM);
  const rowShift = <usize>stride << 2;
  const syn0 = load<usize>(model, M_SYN0);
  const window = load<i32>(model, M_WINDOW);
  const sg = load<i32>(model, M_SG) != 0;
  const cbowMean = load<i32>(model, M_CBOW_MEAN) != 0;
  const sample = load<i32>(model, M_SAMPLE) != 0;
  const keep = load<usize>(model, M_KEEP);
  const maxSentence = load<i32>(model, M_MAX_SENTENCE);
  const tokens = load<usize>(job, J_TOKENS);
  const nTokens = load<i32>(job, J_NTOKENS);
  const sent = load<usize>(job, J_SENT);
  const reduce = load<usize>(job, J_REDUCE);
  const neu1 = load<usize>(job, J_NEU1);
  const neu1e = load<usize>(job, J_NEU1E);
  const alpha0 = load<f32>(job, J_ALPHA0);
  const alpha1 = load<f32>(job, J_ALPHA1);
  let words: i32 = 0;
  let trained: i32 = 0;
  let p = 0;
  while (p < nTokens) {
    const alpha = alpha0 + (alpha1 - alpha0) * (<f32>p / <f32>nTokens);
    // Build the sentence: sub-sample, stop at -1 or at maxSentence kept words.
    let len = 0;
    while (p < nTokens && len < maxSentence) {
      const w = load<i32>(tokens + (<usize>p << 2));
      p++;
      if (w < 0) break;
      words++;
      if (sample && rand32(job) > load<u32>(keep + (<usize>w << 2))) continue;
      store<i32>(sent + (<usize>len << 2), w);
      len++;
    }
    trained += len;
    for (let i = 0; i < len; i++) {
      store<i32>(reduce + (<usize>i << 2), <i32>(rand32(job) % <u32>window));
    }
    for (let i = 0; i < len; i++) {
      const word = load<i32>(sent + (<usize>i << 2));
      const b = load<i32>(reduce + (<usize>i << 2));
      let j = i - window + b;
      if (j < 0) j = 0;
      let k = i + window + 1 - b;
      if (k > len) k = len;
      if (sg) {
        for (let c = j; c < k; c++) {
          if (c == i) continue;
          const l1 = syn0 + <usize>load<i32>(sent + (<usize>c << 2)) * rowShift;
          zero<T>(neu1e, stride, dim);
          outputs<T>(model, job, l1, word, alpha);
          addTo<T>(l1, neu1e, stride, dim);
        }
      } else {
        zero<T>(neu1, stride, dim);
        let cw = 0;
        for (let c = j; c < k; c++) {
          if (c == i) continue;
          addTo<T>(neu1, syn0 + <usize>load<i32>(sent + (<usize>c << 2)) * rowShift, stride, dim);
          cw++;
        }
        if (cw == 0) continue;
        const inv: f32 = 1 / <f32>cw;
        if (cbowMean) scale<T>(neu1, inv, stride, dim);
        zero<T>(neu1e, stride, dim);
        outputs<T>(model, job, neu1, word, alpha);
        // gensim: a summed context spreads its error over the words.
        if (!cbowMean) scale<T>(neu1e, inv, stride, dim);
        for (let c = j; c < k; c++) {
          if (c == i) continue;
          addTo<T>(syn0 + <usize>load<i32>(sent + (<usize>c << 2)) * rowShift, neu1e, stride, dim);
        }
      }
    }
  }
  store<f64>(job, load<f64>(job, J_WORDS) + <f64>words, J_WORDS);
  store<f64>(job, load<f64>(job, J_TRAINED) + <f64>trained, J_TRAINED);
}

/**
 * word2vec.c's initial input vectors from the seeded LCG at `rngPtr` (u64, advanced in place):
 * row r, element i < dim = (rand32 / 2^32 - 0.5) / dim, rows `stride` floats apart, padding 0.
 */
export function w2vInitVectors(ptr: usize, rows: i32, stride: i32, dim: i32, rngPtr: usize): void {
  const inv: f64 = 1.0 / 4294967296.0;
  for (let r = 0; r < rows; r++) {
    const row = ptr + ((<usize>r * <usize>stride) << 2);
    for (let i = 0; i < stride; i++) {
      let v: f32 = 0;
      if (i < dim) v = <f32>((<f64>rand32(rngPtr - J_RNG) * inv - 0.5) / <f64>dim);
      store<f32>(row + (<usize>i << 2), v);
    }
  }
}
