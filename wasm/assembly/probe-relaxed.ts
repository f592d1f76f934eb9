// A tiny module used only to ask WebAssembly.validate whether relaxed SIMD is available.
export function probe(x: f32): f32 {
  const a = f32x4.splat(x);
  return f32x4.extract_lane(f32x4.relaxed_madd(a, a, a), 0);
}
