/**
 * @zoo/dnn: dense networks. Re-exports `@zoo/core` (tensors, `sequential`, `model`,
 * `compile`/`fit`, optimizers, losses, save/load), so `npm i @zoo/dnn` alone is enough for an
 * MLP, and adds the layer factories `dense`, `dropout`, `activation` and ready-made `mlp`.
 *
 * @packageDocumentation
 */
export * from '@zoo/core';
export { activation, dense, dropout, type MlpArgs, mlp } from './mlp.js';
