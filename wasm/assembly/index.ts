// The kernel module's entry: every file's exports become wasm exports.
export * from './memory';
export * from './gemm';
export * from './elementwise';
export * from './unary';
export * from './reduce';
export * from './softmax';
export * from './random';
export * from './conv';
export * from './pool';
export * from './shape';
export * from './optim';
export * from './rnn';
export * from './winograd';
export * from './batchnorm';
export * from './convgrad';
