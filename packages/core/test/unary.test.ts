import { beforeAll, describe, it } from 'vitest';
import { checkOp, prepare, rand, tf, zoo } from './oracle.js';

beforeAll(prepare);

const shapes = [[1], [3], [7, 33], [129], [64, 64]];
const positive = (_: number, n: number, seed: number) => rand(n, seed, 0.5, 2);
const wide = (_: number, n: number, seed: number) => rand(n, seed, -4, 4);

type U = {
  name: string;
  zoo: (x: zoo.Tensor) => zoo.Tensor;
  tf: (x: tf.Tensor) => tf.Tensor;
  input?: typeof positive;
};

const ops: U[] = [
  { name: 'neg', zoo: zoo.neg, tf: tf.neg },
  { name: 'abs', zoo: zoo.abs, tf: tf.abs },
  { name: 'exp', zoo: zoo.exp, tf: tf.exp, input: wide },
  { name: 'log', zoo: zoo.log, tf: tf.log, input: positive },
  { name: 'sqrt', zoo: zoo.sqrt, tf: tf.sqrt, input: positive },
  { name: 'rsqrt', zoo: zoo.rsqrt, tf: tf.rsqrt, input: positive },
  { name: 'square', zoo: zoo.square, tf: tf.square },
  { name: 'reciprocal', zoo: zoo.reciprocal, tf: tf.reciprocal, input: positive },
  { name: 'relu', zoo: zoo.relu, tf: tf.relu },
  { name: 'relu6', zoo: zoo.relu6, tf: tf.relu6, input: (_, n, s) => rand(n, s, -3, 9) },
  { name: 'sigmoid', zoo: zoo.sigmoid, tf: tf.sigmoid, input: wide },
  { name: 'tanh', zoo: zoo.tanh, tf: tf.tanh, input: wide },
  { name: 'softplus', zoo: zoo.softplus, tf: tf.softplus, input: wide },
  { name: 'elu', zoo: (x) => zoo.elu(x), tf: tf.elu, input: wide },
  { name: 'leakyRelu', zoo: (x) => zoo.leakyRelu(x, 0.3), tf: (x) => tf.leakyRelu(x, 0.3) },
  { name: 'selu', zoo: zoo.selu, tf: tf.selu, input: wide },
  { name: 'log1p', zoo: zoo.log1p, tf: tf.log1p, input: (_, n, s) => rand(n, s, -0.5, 2) },
  { name: 'sign', zoo: zoo.sign, tf: tf.sign },
  {
    name: 'softsign',
    zoo: zoo.softsign,
    tf: (x) => tf.div(x, tf.add(1, tf.abs(x))),
  },
];

describe('unary ops match TF.js (forward, gradients, finite differences)', () => {
  for (const op of ops) {
    for (const s of shapes) {
      it(`${op.name} ${JSON.stringify(s)}`, () => {
        checkOp({ shapes: [s], zoo: op.zoo, tf: op.tf, input: op.input, fd: op.name !== 'sign' });
      });
    }
  }
});
