// Entry of the web demo: loads the WebAssembly kernels (or shows the error banner when they
// cannot load), switches tabs, and starts each page the first time it is shown.
import * as zoo from '@zoo/cnn';
import { byId, messageOf, showError } from './dom.js';
import { initDraw } from './draw.js';
import { initText } from './text.js';
import { initTrain } from './train.js';
import { initWords } from './words.js';

type Tab = 'draw' | 'train' | 'words' | 'text';
const TABS: Tab[] = ['draw', 'train', 'words', 'text'];

const started = new Set<Tab>();
const starters: Record<Tab, () => Promise<void> | void> = {
  draw: initDraw,
  train: () => initTrain(showError),
  words: initWords,
  text: initText,
};

function show(tab: Tab): void {
  for (const t of TABS) {
    byId(`tab-${t}`).hidden = t !== tab;
    document.querySelector(`[data-tab="${t}"]`)?.setAttribute('aria-selected', String(t === tab));
  }
  if (location.hash !== `#${tab}`) history.replaceState(null, '', `#${tab}`);
  if (started.has(tab)) return;
  started.add(tab);
  Promise.resolve()
    .then(starters[tab])
    .catch((err: unknown) => showError(`the ${tab} page failed: ${messageOf(err)}`));
}

async function main(): Promise<void> {
  const badge = byId('backend');
  const isolated = globalThis.crossOriginIsolated === true;
  byId('isolation').textContent = isolated
    ? 'cross-origin isolated: Word2Vec can train on threads'
    : 'not cross-origin isolated: everything runs on one thread per worker';
  try {
    await zoo.ready();
  } catch (err) {
    badge.dataset.state = 'error';
    badge.textContent = 'kernels failed to load';
    showError(
      `The WebAssembly kernels could not be loaded (${messageOf(err)}). Zoo needs WebAssembly ` +
        'with fixed-width SIMD: Chrome or Edge 91+, Firefox 89+, Safari 16.4+.',
    );
    document.body.dataset.zoo = 'failed';
    return;
  }
  const info = zoo.backendInfo();
  badge.dataset.state = 'ready';
  badge.textContent = `WebAssembly ${info.relaxedSimd ? 'relaxed SIMD' : 'SIMD'} · ${isolated ? 'threads available' : 'single thread'}`;
  document.body.dataset.zoo = 'ready';
  for (const t of TABS) {
    document.querySelector(`[data-tab="${t}"]`)?.addEventListener('click', () => show(t));
  }
  const fromHash = location.hash.slice(1) as Tab;
  show(TABS.includes(fromHash) ? fromHash : 'draw');
}

main().catch((err: unknown) => showError(messageOf(err)));
