// The image families, MLP, CNN and ResNet, on MNIST (the shipped 2,000/1,000-image subset, or
// the full set or Fashion-MNIST with --data): build, train with a held-out 10% for the
// progress bar's val_ figures, score on the test set, save; evaluate and predict for saved
// models.
import { conv2d, flatten, maxPooling2d, mnistCnn } from '@zoo/cnn';
import * as zoo from '@zoo/core';
import { dense, dropout, mlp } from '@zoo/dnn';
import { batchNormalization, residualBlock } from '@zoo/resnet';
import {
  type ImageDataset,
  int,
  log,
  type Outcome,
  pct,
  plural,
  type RunOptions,
  secs,
} from './context.js';
import { dataLabel, loadImages } from './datasets.js';
import { DataError, UsageError } from './errors.js';
import { readImages } from './inputs.js';
import { type Manifest, saveLayersModel } from './saved.js';

/** The three image families. */
export type ImageFamily = 'mlp' | 'cnn' | 'resnet';

/** Class names per data set (MNIST: the digits). */
export const CLASS_NAMES: Record<ImageDataset, string[]> = {
  mnist: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  'fashion-mnist': [
    'T-shirt/top',
    'Trouser',
    'Pullover',
    'Dress',
    'Coat',
    'Sandal',
    'Shirt',
    'Sneaker',
    'Bag',
    'Ankle boot',
  ],
};

const DATASET_NAMES: Record<ImageDataset, string> = {
  mnist: 'MNIST',
  'fashion-mnist': 'Fashion-MNIST',
};

interface Spec {
  model: zoo.LayersModel;
  description: string;
  epochs: number;
  batch: number;
  learningRate: number;
}

/**
 * A small residual network for 28x28x1 images: a stride-2 3x3 stem (→ 14x14), one basic
 * residual block per entry of `widths` (the first keeps the size, each next one halves it
 * with a projection shortcut), global average pooling and a softmax layer. Batch norm with
 * momentum 0.9 so that the moving statistics settle within a few hundred steps.
 */
export function tinyResNet(widths: number[]): zoo.LayersModel {
  const inp = zoo.input({ shape: [28, 28, 1] });
  let x = conv2d({
    filters: widths[0],
    kernelSize: 3,
    strides: 2,
    padding: 'same',
    useBias: false,
  }).apply(inp) as zoo.SymbolicTensor;
  x = batchNormalization({ momentum: 0.9 }).apply(x) as zoo.SymbolicTensor;
  x = zoo.layers.activation({ activation: 'relu' }).apply(x) as zoo.SymbolicTensor;
  widths.forEach((filters, i) => {
    x = residualBlock(x, { filters, strides: i === 0 ? 1 : 2, bnMomentum: 0.9, useBias: false });
  });
  x = zoo.layers.globalAveragePooling2d().apply(x) as zoo.SymbolicTensor;
  const out = dense({ units: 10, activation: 'softmax' }).apply(x) as zoo.SymbolicTensor;
  return zoo.model({ inputs: inp, outputs: out, name: `resnet_${widths.length}_blocks` });
}

/** The model and settings of `family`: small and quick for the default run, larger in full. */
function spec(family: ImageFamily, full: boolean): Spec {
  if (family === 'mlp') {
    return full
      ? {
          model: mlp({ inputDim: 784, hidden: [512, 512], numClasses: 10, dropout: 0.2 }),
          description: "Keras's mnist_mlp: 784 → 512 → 512 → 10, dropout 0.2",
          epochs: 20,
          batch: 128,
          learningRate: 0.001,
        }
      : {
          model: zoo.sequential({
            layers: [
              dense({ units: 256, activation: 'relu', inputShape: [784] }),
              dropout({ rate: 0.2 }),
              dense({ units: 10, activation: 'softmax' }),
            ],
          }),
          description: '784 → 256 (relu, dropout 0.2) → 10',
          epochs: 15,
          batch: 32,
          learningRate: 0.001,
        };
  }
  if (family === 'cnn') {
    return full
      ? {
          model: mnistCnn(),
          description: "Keras's mnist_cnn: conv 32, conv 64, max-pool, dense 128, dropout",
          epochs: 12,
          batch: 128,
          learningRate: 0.001,
        }
      : {
          model: zoo.sequential({
            layers: [
              conv2d({ filters: 16, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
              maxPooling2d({ poolSize: 2 }),
              conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }),
              maxPooling2d({ poolSize: 2 }),
              flatten(),
              dense({ units: 64, activation: 'relu' }),
              dense({ units: 10, activation: 'softmax' }),
            ],
          }),
          description: 'conv 16 → pool → conv 32 → pool → dense 64 → 10',
          epochs: 10,
          batch: 32,
          learningRate: 0.001,
        };
  }
  const widths = full ? [16, 32, 64] : [16, 32];
  return {
    model: tinyResNet(widths),
    description: `stride-2 stem, ${widths.length} residual blocks (${widths.join(', ')} channels), batch norm, global average pooling`,
    epochs: 10,
    batch: 32,
    learningRate: 0.003,
  };
}

const LABELS: Record<ImageFamily, string> = { mlp: 'MLP', cnn: 'CNN', resnet: 'ResNet' };

function compile(model: zoo.LayersModel, learningRate: number): void {
  model.compile({
    optimizer: zoo.train.adam(learningRate),
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
  });
}

/** Test loss and accuracy of a compiled model. */
function score(model: zoo.LayersModel, x: zoo.Tensor, y: zoo.Tensor): [number, number] {
  const out = model.evaluate(x, y, { batchSize: 250 }) as zoo.Tensor[];
  const r: [number, number] = [out[0].dataSync()[0], out[1].dataSync()[0]];
  zoo.dispose(out);
  return r;
}

/** Trains `family` on the image data and scores it on the held-out test images. */
export async function trainImages(family: ImageFamily, opts: RunOptions): Promise<Outcome> {
  const data = await loadImages(opts, family === 'mlp');
  const { xTrain, yTrain, xTest, yTest } = data;
  try {
    zoo.setSeed(opts.seed);
    const s = spec(family, opts.full);
    const epochs = opts.epochs ?? s.epochs;
    const batch = opts.batch ?? s.batch;
    compile(s.model, s.learningRate);
    const nTrain = xTrain.shape[0];
    const name = DATASET_NAMES[opts.dataset];
    log(
      `\n${LABELS[family]}: ${s.description}; ${int(s.model.countParams())} parameters. ${name} (${dataLabel(opts)}): ${int(nTrain)} training images (10% held out for val_), ${int(xTest.shape[0])} test images`,
    );
    const start = performance.now();
    await s.model.fit(xTrain, yTrain, {
      epochs,
      batchSize: batch,
      validationSplit: 0.1,
      verbose: 1,
    });
    const ms = performance.now() - start;
    const [testLoss, testAccuracy] = score(s.model, xTest, yTest);
    const json: Record<string, unknown> = {
      model: s.description,
      parameters: s.model.countParams(),
      dataset: opts.dataset,
      data: dataLabel(opts),
      trainImages: nTrain - Math.floor(nTrain * 0.1),
      validationImages: Math.floor(nTrain * 0.1),
      testImages: xTest.shape[0],
      epochs,
      batchSize: batch,
      testAccuracy,
      testLoss,
      seconds: ms / 1000,
    };
    if (opts.save !== undefined) {
      const manifest: Manifest = {
        format: 'zoo-demo',
        version: 1,
        family,
        dataset: opts.dataset,
        data: dataLabel(opts),
        epochs,
        metrics: { testAccuracy, testLoss },
        created: new Date().toISOString(),
      };
      json.saved = await saveLayersModel(s.model, opts.save, manifest);
    }
    s.model.dispose();
    const label = LABELS[family];
    const line = `${label.padEnd(8)} ${pct(testAccuracy)} test accuracy on ${int(xTest.shape[0])} held-out ${name} images (loss ${testLoss.toFixed(4)}); ${plural(epochs, 'epoch')} on ${int(nTrain)} images in ${secs(ms)}`;
    const text = [line];
    if (json.saved !== undefined) text.push(`         saved to ${json.saved}`);
    return {
      json,
      text,
      summary: `${label.padEnd(8)} ${pct(testAccuracy).padStart(6)} test accuracy (${name}, ${int(xTest.shape[0])} held-out images)`,
    };
  } finally {
    zoo.dispose([xTrain, yTrain, xTest, yTest]);
  }
}

/** Whether a loaded image model reads flat [N, 784] rows (an MLP) or [N, 28, 28, 1] images. */
function readsFlat(model: zoo.LayersModel): boolean {
  const shape = model.inputs[0].shape;
  if (shape.length === 2 && shape[1] === 784) return true;
  if (shape.length === 4 && shape[1] === 28 && shape[2] === 28 && shape[3] === 1) return false;
  throw new DataError(
    `the saved model reads inputs of shape [${shape.map(String).join(', ')}], not 28x28 images`,
  );
}

/** Scores a saved image model on the test images of its data set. */
export async function evaluateImages(
  model: zoo.LayersModel,
  manifest: Manifest,
  opts: RunOptions,
): Promise<Outcome> {
  const dataset = (manifest.dataset as ImageDataset | undefined) ?? opts.dataset;
  const flat = readsFlat(model);
  const data = await loadImages({ ...opts, limit: 1 }, flat, dataset);
  try {
    compile(model, 0.001);
    const [testLoss, testAccuracy] = score(model, data.xTest, data.yTest);
    const n = data.xTest.shape[0];
    const name = DATASET_NAMES[dataset];
    return {
      json: {
        family: manifest.family,
        dataset,
        data: data.dir,
        testImages: n,
        testAccuracy,
        testLoss,
      },
      text: [
        `${manifest.family}: ${pct(testAccuracy)} test accuracy on ${int(n)} ${name} test images (loss ${testLoss.toFixed(4)}) from ${data.dir}`,
      ],
      summary: '',
    };
  } finally {
    zoo.dispose([data.xTrain, data.yTrain, data.xTest, data.yTest]);
  }
}

/** Classifies the images of `--input` (a 28x28 PGM, or an IDX file of images). */
export async function predictImages(
  model: zoo.LayersModel,
  manifest: Manifest,
  input: string | undefined,
  opts: RunOptions,
): Promise<Outcome> {
  if (input === undefined) {
    throw new UsageError(
      'predict with an image model needs --input FILE (a 28x28 PGM or an IDX image file)',
    );
  }
  const flat = readsFlat(model);
  const images = await readImages(input, opts.limit ?? 10);
  const names = CLASS_NAMES[(manifest.dataset as ImageDataset | undefined) ?? 'mnist'];
  const n = images.count;
  const probs = zoo.tidy(() => {
    const x = zoo.tensor(images.pixels, flat ? [n, 784] : [n, 28, 28, 1]);
    return (model.predict(x) as zoo.Tensor).dataSync() as Float32Array;
  });
  const predictions = [];
  const text: string[] = [];
  if (images.inverted)
    text.push('(light background: the image was inverted to white-on-black, as MNIST)');
  for (let i = 0; i < n; i++) {
    const p = Array.from(probs.subarray(i * 10, i * 10 + 10));
    const order = p.map((v, k) => [v, k] as const).sort((a, b) => b[0] - a[0]);
    const top = order.slice(0, 3).map(([v, k]) => ({ class: names[k], probability: v }));
    predictions.push({ index: i, predicted: names[order[0][1]], top });
    text.push(
      `${n > 1 ? `image ${i}: ` : ''}${names[order[0][1]]}  (${top.map((t) => `${t.class} ${pct(t.probability)}`).join(', ')})`,
    );
  }
  return { json: { family: manifest.family, input, predictions }, text, summary: '' };
}
