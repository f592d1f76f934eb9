// The Word2Vec page's Web Worker: downloads and gunzips the corpus, trains Word2Vec (on its
// own worker threads when the page is cross-origin isolated) and sends the vectors back, so
// the page stays responsive whether or not threads exist.
import { Word2Vec } from '@zoo/word2vec';
import type { FromWord2VecWorker, Word2VecRequest } from './protocol.js';

const scope = globalThis as unknown as {
  postMessage(message: FromWord2VecWorker, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<Word2VecRequest>) => void) | null;
};

async function train(req: Word2VecRequest): Promise<void> {
  scope.postMessage({ type: 'progress', text: 'downloading and decompressing the corpus…' });
  const res = await fetch(req.corpus);
  if (!res.ok || res.body === null) throw new Error(`GET ${req.corpus} failed: HTTP ${res.status}`);
  const text = await new Response(res.body.pipeThrough(new DecompressionStream('gzip'))).text();
  const sentences = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .map((l) => l.split(' '));
  const tokens = sentences.reduce((n, s) => n + s.length, 0);
  scope.postMessage({
    type: 'progress',
    text: `training on ${tokens.toLocaleString('en')} tokens, ${req.workers} thread(s)…`,
  });
  const model = await Word2Vec.train(sentences, {
    vectorSize: req.vectorSize,
    window: req.window,
    minCount: req.minCount,
    sg: req.sg,
    negative: req.negative,
    epochs: req.epochs,
    workers: req.workers,
    seed: req.seed,
    onProgress: (p) => {
      scope.postMessage({
        type: 'progress',
        text: `epoch ${p.epoch}/${p.epochs}: ${Math.round(p.wordsPerSec).toLocaleString('en')} words/s on ${req.workers} thread(s)…`,
      });
    },
  });
  const report = model.lastTraining;
  const vectors = model.wv.vectors.slice();
  scope.postMessage(
    {
      type: 'done',
      words: model.wv.vocab,
      vectors,
      vectorSize: model.wv.vectorSize,
      seconds: report.seconds,
      wordsPerSec: report.wordsPerSec,
      workers: report.workers,
    },
    [vectors.buffer],
  );
}

scope.onmessage = (e) => {
  if (e.data.type !== 'train') return;
  train(e.data).catch((err: unknown) => {
    scope.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  });
};
