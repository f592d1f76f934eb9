// The training page's Web Worker: loads the MNIST subset (gzip'd IDX files, decompressed with
// DecompressionStream), builds an MLP or a CNN, trains it with fit() and reports every batch
// and epoch to the page, which only draws. A 'stop' message aborts fit() after the current
// batch (fit yields to the event loop between batches, so the message gets through).
import * as zoo from '@zoo/cnn';
import type { FromWorker, ToWorker, TrainRequest } from './protocol.js';

const scope = globalThis as unknown as {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  location: { href: string };
};

let controller: AbortController | null = null;
let mnist: Promise<Record<'mlp' | 'cnn', zoo.data.MnistData>> | null = null;

function post(message: FromWorker, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

/** Both layouts of the subset, loaded once: flat [N, 784] for the MLP, [N, 28, 28, 1] for the CNN. */
function loadData(): Promise<Record<'mlp' | 'cnn', zoo.data.MnistData>> {
  mnist ??= (async () => {
    const url = new URL('data/mnist-subset/', scope.location.href).href;
    const images = await zoo.data.loadMnist(url);
    const flat = (t: zoo.Tensor) => zoo.reshape(t, [t.shape[0], 784]);
    return {
      cnn: images,
      mlp: { ...images, xTrain: flat(images.xTrain), xTest: flat(images.xTest) },
    };
  })();
  return mnist;
}

function buildModel(kind: 'mlp' | 'cnn'): zoo.Sequential {
  if (kind === 'mlp') return zoo.mlp({ inputDim: 784, hidden: [128], numClasses: 10 });
  return zoo.sequential({
    layers: [
      zoo.layers.conv2d({ filters: 8, kernelSize: 5, activation: 'relu', inputShape: [28, 28, 1] }),
      zoo.layers.maxPooling2d({ poolSize: 2 }),
      zoo.layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
      zoo.layers.maxPooling2d({ poolSize: 2 }),
      zoo.layers.flatten(),
      zoo.layers.dense({ units: 64, activation: 'relu' }),
      zoo.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

async function train(req: TrainRequest): Promise<void> {
  await zoo.ready();
  const data = (await loadData())[req.model];
  const model = buildModel(req.model);
  model.compile({
    optimizer: zoo.train.adam(req.learningRate),
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
  });
  const samples = data.xTrain.shape[0];
  const steps = Math.ceil(samples / req.batchSize);
  post({
    type: 'started',
    steps,
    samples,
    params: model.countParams(),
    variant: zoo.backendInfo().relaxedSimd ? 'relaxed SIMD' : 'SIMD',
  });
  controller = new AbortController();
  const t0 = performance.now();
  let epochStart = t0;
  let seen = 0;
  let current = 0;
  await model.fit(data.xTrain, data.yTrain, {
    epochs: req.epochs,
    batchSize: req.batchSize,
    validationData: [data.xTest, data.yTest],
    verbose: 0,
    signal: controller.signal,
    callbacks: {
      onEpochBegin: (epoch) => {
        current = epoch;
        epochStart = performance.now();
        seen = 0;
      },
      onBatchEnd: (batch, logs) => {
        seen += logs?.size ?? req.batchSize;
        const rate = seen / ((performance.now() - epochStart) / 1000);
        post({
          type: 'batch',
          epoch: current,
          batch,
          loss: logs?.loss ?? Number.NaN,
          accuracy: logs?.accuracy ?? Number.NaN,
          rate,
        });
      },
      onEpochEnd: (epoch, logs) => {
        post({
          type: 'epoch',
          epoch,
          loss: logs?.loss ?? Number.NaN,
          accuracy: logs?.accuracy ?? Number.NaN,
          valLoss: logs?.val_loss ?? Number.NaN,
          valAccuracy: logs?.val_accuracy ?? Number.NaN,
        });
      },
    },
  });
  const stopped = controller.signal.aborted;
  controller = null;
  let artifacts: zoo.ModelArtifacts = {};
  await model.save(
    zoo.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();
  const weights = artifacts.weightData;
  post(
    { type: 'done', stopped, seconds: (performance.now() - t0) / 1000, artifacts },
    weights instanceof ArrayBuffer ? [weights] : [],
  );
}

scope.onmessage = (e) => {
  const msg = e.data;
  if (msg.type === 'stop') {
    controller?.abort();
  } else if (msg.type === 'start') {
    train(msg).catch((err: unknown) => {
      controller = null;
      post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    });
  }
};
