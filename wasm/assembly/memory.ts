// Module-level facts the loader checks.

/** Bumped whenever an export's signature or meaning changes; the loader refuses a mismatch. */
const ABI_VERSION: i32 = 1;

export function abiVersion(): i32 {
  return ABI_VERSION;
}

/** First byte past the module's static data: the JS allocator owns everything above it. */
export function heapBase(): usize {
  return __heap_base;
}

/** 1 when this build was compiled with relaxed SIMD. */
export function isRelaxed(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 1 : 0;
}
