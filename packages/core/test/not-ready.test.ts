// Runs in its own worker, so the kernels are not loaded when the first op is called.
import * as zoo from '@zoo/core';
import { expect, it } from 'vitest';

it('an op before ready() says to await ready()', async () => {
  expect(zoo.isReady()).toBe(false);
  expect(() => zoo.tensor([1, 2])).toThrow(
    'Zoo is not ready: await zoo.ready() before creating tensors or calling ops',
  );
  expect(() => zoo.backendInfo()).toThrow(/await zoo\.ready\(\)/);
  await expect(zoo.ready({ module: 42 as unknown as WebAssembly.Module })).rejects.toThrow(
    /'module' must be/,
  );
  await zoo.ready();
  expect(zoo.tensor([1, 2]).shape).toEqual([2]);
});
