import { Word2Vec } from '@zoo/word2vec';
import { describe, expect, it } from 'vitest';

function corpus(): string[][] {
  const a = ['cat', 'dog', 'mouse', 'horse', 'cow'];
  const b = ['red', 'green', 'blue', 'black', 'white'];
  const out: string[][] = [];
  for (let i = 0; i < 200; i++) {
    const g = i % 2 ? a : b;
    out.push(Array.from({ length: 10 }, (_, j) => g[(i * 7 + j * 3) % g.length]));
  }
  return out;
}

describe('Word2Vec.save / Word2Vec.load', () => {
  it('round-trips the whole model and continues training to the same bits', async () => {
    const opts = {
      vectorSize: 12,
      window: 3,
      minCount: 1,
      epochs: 2,
      seed: 3,
      negative: 3,
      hs: 1 as const,
    };
    const a = await Word2Vec.train(corpus(), opts);
    const bytes = a.save();
    const b = await Word2Vec.load(bytes);
    expect(b.wv.vocab).toEqual(a.wv.vocab);
    expect(Array.from(b.wv.vectors)).toEqual(Array.from(a.wv.vectors));
    await a.train(corpus(), { epochs: 1 });
    await b.train(corpus(), { epochs: 1 });
    expect(Array.from(b.wv.vectors)).toEqual(Array.from(a.wv.vectors));
  });

  it('rejects foreign, truncated and padded files with byte offsets', async () => {
    const m = await Word2Vec.train(corpus(), { vectorSize: 8, minCount: 1, epochs: 1, seed: 1 });
    const bytes = m.save();
    await expect(Word2Vec.load(new Uint8Array(20))).rejects.toThrow(
      /byte offset 0: not a Zoo Word2Vec model file/,
    );
    await expect(Word2Vec.load(bytes.slice(0, bytes.length - 5))).rejects.toThrow(/truncated file/);
    const longer = new Uint8Array(bytes.length + 4);
    longer.set(bytes);
    await expect(Word2Vec.load(longer)).rejects.toThrow(/4 unexpected bytes after the last array/);
  });
});
