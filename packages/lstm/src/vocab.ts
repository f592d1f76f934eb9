// CharVocab: the character <-> id table of a character-level language model.

/**
 * A character vocabulary: every distinct character (Unicode code point) of a text, sorted by
 * code point, numbered from 0. `encode` turns text into ids, `decode` ids back into text.
 *
 * ```ts
 * const vocab = CharVocab.fromText('hello world');
 * vocab.size;                  // 8 (' ', 'd', 'e', 'h', 'l', 'o', 'r', 'w')
 * vocab.decode(vocab.encode('low')); // 'low'
 * ```
 *
 * Ids are dense (0 .. size-1) and id 0 is an ordinary character (no padding id), as a char
 * model's embedding uses them. Save the table with `toJSON()` next to a saved model and
 * rebuild it with `CharVocab.fromJSON`.
 */
export class CharVocab {
  /** The characters, index = id. */
  readonly chars: readonly string[];
  private readonly ids: Map<string, number>;

  /** A vocabulary of the given characters in this order (each must be one code point, no repeats). */
  constructor(chars: Iterable<string>) {
    const list = [...chars];
    const ids = new Map<string, number>();
    list.forEach((c, i) => {
      if (typeof c !== 'string' || [...c].length !== 1) {
        throw new Error(`CharVocab: entry ${i} must be one character, got ${JSON.stringify(c)}`);
      }
      if (ids.has(c)) throw new Error(`CharVocab: character ${JSON.stringify(c)} appears twice`);
      ids.set(c, i);
    });
    if (list.length === 0) throw new Error('CharVocab: the vocabulary is empty');
    this.chars = Object.freeze(list);
    this.ids = ids;
  }

  /** The sorted distinct characters of `text`. */
  static fromText(text: string): CharVocab {
    if (typeof text !== 'string' || text.length === 0) {
      throw new Error('CharVocab.fromText: expected a non-empty string');
    }
    const set = new Set(text); // iterates code points
    return new CharVocab([...set].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!));
  }

  /** Rebuilds a vocabulary saved with {@link CharVocab.toJSON}. */
  static fromJSON(json: { chars: string[] } | string[]): CharVocab {
    return new CharVocab(Array.isArray(json) ? json : json.chars);
  }

  /** Number of characters (the model's vocabSize). */
  get size(): number {
    return this.chars.length;
  }

  /** Whether `ch` is in the vocabulary. */
  has(ch: string): boolean {
    return this.ids.has(ch);
  }

  /** Id of one character (an error when it is not in the vocabulary). */
  idOf(ch: string): number {
    const id = this.ids.get(ch);
    if (id === undefined) {
      throw new Error(
        `CharVocab: character ${JSON.stringify(ch)} (U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}) is not in the vocabulary of ${this.size} characters`,
      );
    }
    return id;
  }

  /** Ids of the characters of `text`, in order (an error on a character not in the vocabulary). */
  encode(text: string): Int32Array {
    const chars = [...text];
    const out = new Int32Array(chars.length);
    for (let i = 0; i < chars.length; i++) out[i] = this.idOf(chars[i]);
    return out;
  }

  /** The text of a sequence of ids (an error on an id outside [0, size)). */
  decode(ids: ArrayLike<number> | Iterable<number>): string {
    let s = '';
    for (const id of Array.from(ids as ArrayLike<number>)) {
      const c = this.chars[id];
      if (c === undefined || !Number.isInteger(id)) {
        throw new Error(`CharVocab: id ${id} is outside [0, ${this.size})`);
      }
      s += c;
    }
    return s;
  }

  /** `{ chars }`, for JSON.stringify. */
  toJSON(): { chars: string[] } {
    return { chars: [...this.chars] };
  }
}
