// Captures a model's saved artifacts (model.json topology + weights) in memory, from
// tfjs-layers or from Zoo, for the interop tests that load one library's files in the other.
import type * as tfl from '@tensorflow/tfjs-layers';
import { io, type ModelArtifacts } from '../src/io/index.js';
import { tf } from './oracle.js';

const savedInfo = {
  modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' as const },
};

/** What tfjs-layers writes for `m`. */
export async function tfArtifacts(m: tfl.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await m.save(
    tf.io.withSaveHandler(async (a) => {
      saved = a;
      return savedInfo;
    }),
  );
  return saved!;
}

/** A Zoo model from the sources or from the built dist (whose types differ nominally). */
interface Saveable {
  save(handler: ReturnType<typeof io.withSaveHandler>): Promise<unknown>;
}

/** What Zoo writes for `m`. */
export async function zooArtifacts(m: Saveable): Promise<ModelArtifacts> {
  let saved: ModelArtifacts | undefined;
  await m.save(
    io.withSaveHandler(async (a) => {
      saved = a;
      return savedInfo;
    }),
  );
  return saved!;
}
