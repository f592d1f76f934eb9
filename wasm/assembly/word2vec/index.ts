// The word2vec kernel module's entry (a module of its own, so @zoo/word2vec ships without the
// main kernels): every file's exports become wasm exports.
export * from './meta';
export * from './train';
