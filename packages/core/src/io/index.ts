// Public surface of model saving and loading (TF.js LayersModel format).
import { fileSystem } from './file.js';
import { fromMemory, http, withSaveHandler } from './io.js';

export type {
  IOHandler,
  LoadOptions,
  ModelArtifacts,
  ModelArtifactsInfo,
  ModelJSON,
  SaveResult,
  WeightData,
  WeightDataType,
  WeightsManifestEntry,
  WeightsManifestGroupConfig,
} from './io.js';
export { loadLayersModel, modelFromArtifacts, modelToArtifacts } from './serialize.js';

/**
 * Model I/O handlers, as `tf.io`: `fromMemory` and `withSaveHandler` work everywhere,
 * `http` needs fetch, `fileSystem` (`file://`) needs Node.
 */
export const io = {
  /** Loads artifacts held in memory (see {@link fromMemory}). */
  fromMemory,
  /** Saves by calling a function with the artifacts (see {@link withSaveHandler}). */
  withSaveHandler,
  /** Loads model.json and weights over HTTP(S) (see {@link http}). */
  http,
  /** Saves to / loads from a directory or model.json in Node (see {@link fileSystem}). */
  fileSystem,
} as const;
