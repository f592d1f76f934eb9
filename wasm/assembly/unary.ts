// unary kernels: see the README in wasm/.
export function unaryPlaceholder(): i32 { return 0; }
