// The LSTM page: loads the character model the build trained on the Tiny Shakespeare subset
// (model.json + weights.bin + vocab.json) and samples text from a seed.
import * as zoo from '@zoo/lstm';
import { asset, byId, fetchJson, messageOf } from './dom.js';

/** The build's info.json for the character model. */
interface LstmInfo {
  model: string;
  params: number;
  trainChars: number;
  validationChars: number;
  epochs: number;
  validationLoss: number;
}

let lm: zoo.CharLanguageModel | null = null;

/** Wires the text page and loads the model. */
export async function initText(): Promise<void> {
  const seed = byId<HTMLInputElement>('gen-seed');
  const length = byId<HTMLInputElement>('gen-length');
  const temp = byId<HTMLInputElement>('gen-temp');
  const tempValue = byId('gen-temp-value');
  const out = byId('gen-output');
  temp.addEventListener('input', () => {
    tempValue.textContent = Number(temp.value).toFixed(2);
  });
  const generate = () => {
    if (lm === null) return;
    const vocab = lm.vocab!;
    // Characters the model never saw cannot be fed to it: drop them from the seed.
    const seedText = [...seed.value].filter((ch) => vocab.has(ch)).join('') || '\n';
    const n = Math.min(2000, Math.max(1, Math.round(Number(length.value)) || 400));
    const t0 = performance.now();
    let text: string;
    try {
      text = lm.generate(seedText, {
        length: n,
        temperature: Number(temp.value),
        seed: Math.floor(Math.random() * 2 ** 31),
      });
    } catch (err) {
      out.textContent = `generation failed: ${messageOf(err)}`;
      out.dataset.chars = '0';
      return;
    }
    const ms = performance.now() - t0;
    const s = document.createElement('span');
    s.className = 'seed';
    s.textContent = seedText;
    out.replaceChildren(s, text);
    out.dataset.chars = String(text.length);
    out.title = `${text.length} characters in ${ms.toFixed(0)} ms`;
  };
  byId('gen-go').addEventListener('click', generate);
  try {
    const [model, vocabJson, info] = await Promise.all([
      zoo.loadLayersModel(asset('models/shakespeare-lstm/model.json')),
      fetchJson<{ chars: string[] }>('models/shakespeare-lstm/vocab.json'),
      fetchJson<LstmInfo>('models/shakespeare-lstm/info.json'),
    ]);
    lm = zoo.asCharLanguageModel(model as zoo.Sequential, zoo.CharVocab.fromJSON(vocabJson));
    byId('text-info').textContent =
      `${info.model}: ${info.params.toLocaleString('en')} parameters, trained by the build for ${info.epochs} ` +
      `epochs on the first ${info.trainChars.toLocaleString('en')} characters of Tiny Shakespeare; ` +
      `validation loss ${info.validationLoss.toFixed(3)} nats per character on the next ` +
      `${info.validationChars.toLocaleString('en')}. A model this small spells like Shakespeare ` +
      'more than it writes like him.';
    generate();
  } catch (err) {
    byId('text-info').textContent = `Could not load the LSTM: ${messageOf(err)}`;
    throw err;
  }
}
