// Messages between the training page and its Web Worker (src/train-worker.ts).
import type { ModelArtifacts } from '@zoo/cnn';

/** What to train. */
export interface TrainRequest {
  type: 'start';
  /** 'mlp' (784 → 128 → 10) or 'cnn' (the small CNN of the draw page). */
  model: 'mlp' | 'cnn';
  epochs: number;
  batchSize: number;
  learningRate: number;
}

/** Page → worker. */
export type ToWorker = TrainRequest | { type: 'stop' };

/** Worker → page. */
export type FromWorker =
  /** Data loaded, model built: `steps` batches per epoch. */
  | { type: 'started'; steps: number; samples: number; params: number; variant: string }
  /** After every batch: the batch's loss and accuracy. */
  | { type: 'batch'; epoch: number; batch: number; loss: number; accuracy: number; rate: number }
  /** After every epoch: means over the epoch and the test set's figures. */
  | {
      type: 'epoch';
      epoch: number;
      loss: number;
      accuracy: number;
      valLoss: number;
      valAccuracy: number;
    }
  /** Training ended (all epochs, or stopped); the trained model's artifacts. */
  | { type: 'done'; stopped: boolean; seconds: number; artifacts: ModelArtifacts }
  | { type: 'error'; message: string };

/** Word2Vec settings the page asks its worker to train with. */
export interface Word2VecRequest {
  type: 'train';
  /** URL of the gzip'd corpus: one sentence of space-separated tokens per line. */
  corpus: string;
  vectorSize: number;
  window: number;
  minCount: number;
  sg: 0 | 1;
  negative: number;
  epochs: number;
  /** Threads (more than 1 needs a cross-origin isolated page). */
  workers: number;
  seed: number;
}

/** Word2Vec worker → page. */
export type FromWord2VecWorker =
  | { type: 'progress'; text: string }
  | {
      type: 'done';
      words: string[];
      vectors: Float32Array;
      vectorSize: number;
      seconds: number;
      wordsPerSec: number;
      workers: number;
    }
  | { type: 'error'; message: string };
