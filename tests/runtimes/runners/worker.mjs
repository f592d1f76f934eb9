// The Cloudflare Worker of the matrix (run by miniflare on workerd): the kernels are imported
// as WebAssembly.Module values (workerd refuses to compile wasm from bytes) and passed to
// `ready({ module })` / Word2Vec's `kernels.module`; the fixtures are Data modules.
import cnnModel from './fixtures/cnn/model.json';
import cnnWeights from './fixtures/cnn/weights.bin';
import lstmModel from './fixtures/lstm/model.json';
import lstmWeights from './fixtures/lstm/weights.bin';
import vectors from './fixtures/vectors.bin';
import { runMatrix } from './matrix.mjs';
import kernels from './zoo-simd.wasm';
import word2vec from './zoo-word2vec-simd.wasm';

export default {
  async fetch() {
    try {
      const result = await runMatrix(
        {
          cnnModel,
          cnnWeights: new Uint8Array(cnnWeights),
          lstmModel,
          lstmWeights: new Uint8Array(lstmWeights),
          vectors: new Uint8Array(vectors),
        },
        { kernels, word2vec },
      );
      return Response.json(result);
    } catch (err) {
      return new Response(String(err?.stack ?? err), { status: 500 });
    }
  },
};
