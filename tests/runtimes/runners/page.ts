// The browser side of the matrix: fetches the fixtures from the test's server and exposes
// `zooMatrix()` for page.evaluate.
import { runMatrix } from '../matrix-entry.js';

async function fetchOk(path: string): Promise<Response> {
  const res = await fetch(path);
  if (!res.ok) throw new Error(`fetching ${path}: HTTP ${res.status}`);
  return res;
}

async function zooMatrix() {
  const text = async (p: string) => (await fetchOk(`/fixtures/${p}`)).text();
  const bytes = async (p: string) =>
    new Uint8Array(await (await fetchOk(`/fixtures/${p}`)).arrayBuffer());
  return runMatrix({
    cnnModel: await text('cnn/model.json'),
    cnnWeights: await bytes('cnn/weights.bin'),
    lstmModel: await text('lstm/model.json'),
    lstmWeights: await bytes('lstm/weights.bin'),
    vectors: await bytes('vectors.bin'),
  });
}

(globalThis as { zooMatrix?: unknown }).zooMatrix = zooMatrix;
