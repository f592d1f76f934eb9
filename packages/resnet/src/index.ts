/**
 * @zoo/resnet: residual networks.
 *
 * @packageDocumentation
 */
export * from '@zoo/cnn';
