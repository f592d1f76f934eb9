// A Cloudflare Worker running Zoo: a small MLP classifier and Word2Vec neighbours.
//
// workerd refuses to compile WebAssembly from bytes, so the kernels are imported as
// `.wasm` modules (wrangler uploads them as CompiledWasm modules) and handed to Zoo. Wrangler
// bundles with the `workerd` export condition, under which `@zoo/kernels` resolves to its slim
// entry: the script carries no embedded wasm.

import * as zoo from '@zoo/dnn';
import kernels from '@zoo/kernels/zoo-simd.wasm';
import word2vecKernels from '@zoo/kernels/zoo-word2vec-simd.wasm';
import { Word2Vec } from '@zoo/word2vec';

/** Four features in; which of the first three is the largest comes out. */
async function trainClassifier(): Promise<zoo.Sequential> {
  await zoo.ready({ module: kernels });
  zoo.setSeed(42);
  const x = zoo.randomUniform([512, 4]);
  const y = zoo.argMax(zoo.slice(x, [0, 0], [512, 3]), 1);
  const model = zoo.mlp({ inputDim: 4, hidden: [32], numClasses: 3 });
  model.compile({
    optimizer: 'adam',
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
  });
  await model.fit(x, y, { epochs: 20, batchSize: 64, verbose: 0 });
  x.dispose();
  y.dispose();
  // A trained model would rather be loaded: zoo.loadLayersModel('https://.../model.json').
  return model;
}

const CORPUS = [
  'the cat chased the mouse around the house',
  'a dog and a cat are pets that live in the house',
  'the dog barked at the cat',
  'the car drove down the road to the city',
  'a truck and a car stopped on the road',
  'the city road was full of cars and trucks',
].map((line) => line.split(' '));

async function trainWord2Vec(): Promise<Word2Vec> {
  const sentences = Array.from({ length: 50 }, () => CORPUS).flat();
  return Word2Vec.train(sentences, {
    vectorSize: 32,
    window: 3,
    minCount: 1,
    epochs: 5,
    seed: 1,
    kernels: { module: word2vecKernels },
  });
}

// Trained once per isolate, on the first request that needs them.
let classifier: Promise<zoo.Sequential> | undefined;
let word2vec: Promise<Word2Vec> | undefined;

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/predict') {
      // GET /predict?x=0.1,0.9,0.3,0.5
      const x = (url.searchParams.get('x') ?? '').split(',').map(Number);
      if (x.length !== 4 || x.some((v) => !Number.isFinite(v))) {
        return Response.json({ error: 'x must be 4 comma-separated numbers' }, { status: 400 });
      }
      classifier ??= trainClassifier();
      const model = await classifier;
      const probabilities = zoo.tidy(() => {
        const p = model.predict(zoo.tensor([x], [1, 4])) as zoo.Tensor;
        return Array.from(p.dataSync());
      });
      return Response.json({ x, probabilities, backend: zoo.backendInfo() });
    }
    if (url.pathname === '/similar') {
      // GET /similar?word=cat
      const word = url.searchParams.get('word') ?? 'cat';
      word2vec ??= trainWord2Vec();
      const w2v = await word2vec;
      if (!w2v.wv.has(word))
        return Response.json({ error: `unknown word ${word}` }, { status: 404 });
      return Response.json({ word, similar: w2v.wv.mostSimilar(word, 3) });
    }
    return new Response(
      'Zoo on Cloudflare Workers: GET /predict?x=0.1,0.9,0.3,0.5 or /similar?word=cat\n',
    );
  },
};
