// Internal: what the main kernel loader checks, shared by the full entry (index.ts) and the
// slim one (slim.ts), which differ only in where the bytes come from.
import type { KernelExports } from './generated/exports.js';
import type { KernelVariant, LoadedModule, LoadModuleOptions, ModuleSpec } from './loader-core.js';

/** The kernel ABI this loader speaks; a module reporting another version is refused. */
export const ABI_VERSION = 1;

/** Options of `loadKernels`. */
export type LoadKernelsOptions = LoadModuleOptions;

/** A ready kernel instance. */
export type LoadedKernels = LoadedModule<KernelExports>;

/** The spec of the main kernel module, its bytes given by `bytes`. */
export function kernelSpec(bytes: (variant: KernelVariant) => Uint8Array<ArrayBuffer>): ModuleSpec {
  return {
    caller: 'loadKernels',
    what: 'a Zoo kernel module',
    abiVersion: ABI_VERSION,
    required: [],
    bytes,
  };
}
