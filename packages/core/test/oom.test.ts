import { beforeAll, expect, it } from 'vitest';
import { prepare, zoo } from './oracle.js';

beforeAll(prepare);

it('running past 4 GiB throws a clear error and earlier tensors stay valid', () => {
  const held: zoo.Tensor[] = [];
  const marker = zoo.tensor([1, 2, 3]);
  let error: unknown;
  try {
    // 768 MiB at a time: the sixth cannot fit in wasm32's 4 GiB.
    for (let i = 0; i < 8; i++) held.push(zoo.fill([192 * 2 ** 20], i + 1));
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(zoo.ZooOutOfMemoryError);
  expect(String(error)).toMatch(/out of memory: allocating 768\.0 MiB .* 4 GiB/);
  expect(held.length).toBeGreaterThanOrEqual(3);
  expect(Array.from(marker.dataSync())).toEqual([1, 2, 3]);
  const last = held[held.length - 1];
  const v = zoo.slice(last, [last.size - 2], [2]);
  expect(Array.from(v.dataSync())).toEqual([held.length, held.length]);
  zoo.dispose([...held, marker, v]);
  // Memory is reusable after the failure.
  const again = zoo.fill([192 * 2 ** 20], 9);
  expect(again.dataSync()[0]).toBe(9);
  again.dispose();
});
