// The Word2Vec page: nearest neighbours and analogies over the vectors the build trained
// (word2vec.c binary format), and a button that trains new vectors on the same corpus in a
// Web Worker (src/w2v-worker.ts), on threads when the page is cross-origin isolated.
import { KeyedVectors } from '@zoo/word2vec';
import { asset, byId, fetchJson, messageOf, pct } from './dom.js';
import type { FromWord2VecWorker, Word2VecRequest } from './protocol.js';

/** The build's info.json for the vectors. */
interface W2vInfo {
  vectorSize: number;
  window: number;
  minCount: number;
  sg: 0 | 1;
  negative: number;
  epochs: number;
  tokens: number;
  words: number;
  analogyQuestions: number;
  analogyAccuracy: number;
}

const CORPUS = 'data/text-corpus-subset/enwiki-text8style-400k.txt.gz';
const NEIGHBOUR_EXAMPLES = ['january', 'german', 'music', 'river', 'one', 'football'];
const ANALOGY_EXAMPLES: [string, string, string][] = [
  ['king', 'man', 'woman'],
  ['brother', 'boy', 'girl'],
  ['two', 'second', 'three'],
  ['paris', 'france', 'italy'],
];

let wv: KeyedVectors | null = null;
let info: W2vInfo | null = null;

/** Wires the Word2Vec page and loads the pre-trained vectors. */
export async function initWords(): Promise<void> {
  const nnWord = byId<HTMLInputElement>('nn-word');
  const [a, b, c] = ['an-a', 'an-b', 'an-c'].map((id) => byId<HTMLInputElement>(id));
  const neighbours = () => {
    if (wv === null) return;
    const word = nnWord.value.trim().toLowerCase();
    showResults('nn-results', () => wv!.mostSimilar(word, 10));
  };
  const analogy = () => {
    if (wv === null) return;
    const [wa, wb, wc] = [a, b, c].map((i) => i.value.trim().toLowerCase());
    showResults('an-results', () =>
      wv!.mostSimilar({ positive: [wa, wc], negative: [wb], topn: 8 }),
    );
  };
  byId('nn-form').addEventListener('submit', (e) => {
    e.preventDefault();
    neighbours();
  });
  byId('an-form').addEventListener('submit', (e) => {
    e.preventDefault();
    analogy();
  });
  for (const w of NEIGHBOUR_EXAMPLES) {
    byId('nn-examples').append(
      chip(w, () => {
        nnWord.value = w;
        neighbours();
      }),
    );
  }
  for (const ex of ANALOGY_EXAMPLES) {
    byId('an-examples').append(
      chip(`${ex[0]} − ${ex[1]} + ${ex[2]}`, () => {
        [a, b, c].forEach((input, i) => {
          input.value = ex[i];
        });
        analogy();
      }),
    );
  }
  byId('w2v-train').addEventListener('click', () => {
    trainInPage(() => {
      neighbours();
      analogy();
    }).catch((err) => {
      const status = byId('w2v-status');
      status.dataset.state = 'error';
      status.textContent = `training failed: ${messageOf(err)}`;
    });
  });

  try {
    const [bytes, meta] = await Promise.all([
      fetch(asset('models/wiki-word2vec/vectors.bin')).then(async (res) => {
        if (!res.ok) throw new Error(`GET vectors.bin failed: HTTP ${res.status}`);
        return new Uint8Array(await res.arrayBuffer());
      }),
      fetchJson<W2vInfo>('models/wiki-word2vec/info.json'),
    ]);
    wv = KeyedVectors.loadWord2VecFormat(bytes, { binary: true });
    info = meta;
    byId('words-info').textContent =
      `${meta.sg ? 'Skip-gram' : 'CBOW'} vectors trained by the build on ${meta.tokens.toLocaleString('en')} ` +
      `tokens of English Wikipedia: ${meta.words.toLocaleString('en')} words × ${meta.vectorSize} dimensions ` +
      `(window ${meta.window}, ${meta.negative} negative samples, ${meta.epochs} epochs). A corpus this small ` +
      `gets ${pct(meta.analogyAccuracy)} of ${meta.analogyQuestions} questions-words analogies right; ` +
      'neighbours are its strong side.';
    neighbours();
    analogy();
  } catch (err) {
    byId('words-info').textContent = `Could not load the vectors: ${messageOf(err)}`;
    throw err;
  }
}

function chip(label: string, onClick: () => void): HTMLButtonElement {
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = label;
  button.addEventListener('click', onClick);
  return button;
}

/** Fills a results list with [word, similarity] rows, or the query's error. */
function showResults(id: string, query: () => [string, number][]): void {
  const list = byId(id);
  list.replaceChildren();
  let rows: [string, number][];
  try {
    rows = query();
  } catch (err) {
    const li = document.createElement('li');
    li.className = 'error';
    li.textContent = messageOf(err);
    list.append(li);
    list.dataset.count = '0';
    list.dataset.first = '';
    return;
  }
  for (const [word, sim] of rows) {
    const li = document.createElement('li');
    li.dataset.word = word;
    const bar = document.createElement('span');
    bar.className = 'sim';
    bar.style.width = `${Math.max(0, sim) * 6}rem`;
    const num = document.createElement('span');
    num.className = 'num';
    num.textContent = sim.toFixed(3);
    const w = document.createElement('span');
    w.className = 'w';
    w.textContent = word;
    li.append(w, bar, num);
    list.append(li);
  }
  list.dataset.count = String(rows.length);
  list.dataset.first = rows[0]?.[0] ?? '';
}

/** Trains vectors on the shipped corpus in a Web Worker (threads when cross-origin isolated). */
function trainInPage(onDone: () => void): Promise<void> {
  const button = byId<HTMLButtonElement>('w2v-train');
  const status = byId('w2v-status');
  button.disabled = true;
  status.dataset.state = 'training';
  const isolated = globalThis.crossOriginIsolated === true;
  const workers = isolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 2)) : 1;
  const settings = info ?? {
    vectorSize: 64,
    window: 5,
    minCount: 5,
    sg: 1,
    negative: 5,
    epochs: 5,
  };
  const request: Word2VecRequest = {
    type: 'train',
    corpus: asset(CORPUS),
    vectorSize: settings.vectorSize,
    window: settings.window,
    minCount: settings.minCount,
    sg: settings.sg,
    negative: settings.negative,
    epochs: settings.epochs,
    workers,
    seed: Date.now() % 100000,
  };
  return new Promise<void>((ok, fail) => {
    const worker = new Worker(asset('w2v-worker.js'), { type: 'module' });
    const end = () => {
      worker.terminate();
      button.disabled = false;
    };
    worker.onerror = (e) => {
      end();
      fail(new Error(e.message || 'the Word2Vec worker could not start'));
    };
    worker.onmessage = (e: MessageEvent<FromWord2VecWorker>) => {
      const m = e.data;
      if (m.type === 'progress') {
        status.textContent = m.text;
      } else if (m.type === 'error') {
        end();
        fail(new Error(m.message));
      } else {
        end();
        wv = new KeyedVectors(m.words, m.vectors, m.vectorSize);
        status.dataset.state = 'done';
        status.textContent =
          `trained in this page: ${wv.size.toLocaleString('en')} words, ${m.seconds.toFixed(1)} s, ` +
          `${Math.round(m.wordsPerSec).toLocaleString('en')} words/s on ${m.workers} thread(s)` +
          (isolated ? '' : ' (the page is not cross-origin isolated, so no threads)');
        onDone();
        ok();
      }
    };
    worker.postMessage(request);
  });
}
