// Module-level facts of the word2vec kernel module, checked by loadWord2VecKernels.

/** 1000 + version (distinct from the main module's ABI); bumped whenever a word2vec export's signature or struct layout changes. */
const W2V_ABI_VERSION: i32 = 1001;

export function abiVersion(): i32 {
  return W2V_ABI_VERSION;
}

/** First byte past the module's static data: the JS allocator owns everything above it. */
export function heapBase(): usize {
  return __heap_base;
}

/** 1 when this build was compiled with relaxed SIMD (the word2vec kernels never use it). */
export function isRelaxed(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 1 : 0;
}
