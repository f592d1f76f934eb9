// Compiles the AssemblyScript kernels into wasm variants (SIMD and relaxed SIMD, each also as
// a shared-memory threads build) and
// generates src/generated/: the wasm bytes as base64 (so the ESM bundle carries them) and a
// typed interface of the kernel exports (from asc's raw bindings). The slim entry
// (src/slim.ts) imports none of the base64, for bundles that load the .wasm files themselves.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const asc = join(root, '..', 'node_modules', '.bin', 'asc');
const build = join(root, 'build');
const generated = join(root, 'src', 'generated');
const distGenerated = join(root, 'dist', 'generated');
for (const dir of [build, generated, distGenerated]) mkdirSync(dir, { recursive: true });

const common = [
  '-O3',
  '--noAssert',
  '--runtime',
  'stub',
  '--importMemory',
  '--zeroFilledMemory',
  '--maximumMemory',
  '65536',
  '--use',
  'abort=',
];

// `--embed-only` skips asc and regenerates src/generated/ from the .wasm files in build/.
const embedOnly = process.argv.includes('--embed-only');

function compile(entry, out, features, extra = []) {
  if (embedOnly) return;
  execFileSync(asc, [entry, '-o', out, ...common, '--enable', features, ...extra], {
    cwd: root,
    stdio: 'inherit',
  });
}

/**
 * Writes build/`out`: build/`file` with its imported memory declared shared (limits flag 0x01,
 * maximum given, becomes 0x03, shared with a maximum), which is all that distinguishes a
 * `--sharedMemory` build of code that uses no atomics.
 */
function sharedMemoryTwin(file, out) {
  if (embedOnly) return;
  const bytes = readFileSync(join(build, file));
  let p = 8;
  const u32 = () => {
    let r = 0;
    let shift = 0;
    let b;
    do {
      b = bytes[p++];
      r += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return r;
  };
  const limits = () => {
    const at = p;
    const flag = bytes[p++];
    u32();
    if (flag & 1) u32();
    return at;
  };
  while (p < bytes.length) {
    const id = bytes[p++];
    const size = u32();
    const end = p + size;
    if (id === 2) {
      for (let n = u32(); n > 0; n--) {
        for (let name = 0; name < 2; name++) {
          const len = u32(); // module name, then field name
          p += len;
        }
        const kind = bytes[p++];
        if (kind === 0) u32();
        else if (kind === 1) {
          p++; // reference type
          limits();
        } else if (kind === 3)
          p += 2; // value type, mutability
        else if (kind === 2) {
          const at = limits();
          if (bytes[at] !== 0x01) {
            throw new Error(`build: ${file} imports a memory with limits flag ${bytes[at]}, not 1`);
          }
          const twin = Buffer.from(bytes);
          twin[at] = 0x03;
          // (Node 20 validates relaxed SIMD only behind a flag: check where the original passes.)
          if (WebAssembly.validate(bytes) && !WebAssembly.validate(twin)) {
            throw new Error(`build: ${out} does not validate`);
          }
          writeFileSync(join(build, out), twin);
          return;
        } else throw new Error(`build: ${file} has an import of unknown kind ${kind}`);
      }
    }
    p = end;
  }
  throw new Error(`build: ${file} imports no memory`);
}

compile('assembly/index.ts', 'build/zoo-simd.wasm', 'simd', ['--bindings', 'raw']);
compile('assembly/index.ts', 'build/zoo-relaxed.wasm', 'simd,relaxed-simd');
// Their shared-memory twins for @zoo/core's worker threads (ready({ threads })): the same code
// over a shared memory of up to 4 GiB, which every thread instantiates the module on. asc with
// `--enable threads --sharedMemory` emits the same bytes but one, the memory import's limits
// flag, so the twins are derived from the builds above rather than compiled twice more.
sharedMemoryTwin('zoo-simd.wasm', 'zoo-threads.wasm');
sharedMemoryTwin('zoo-relaxed.wasm', 'zoo-relaxed-threads.wasm');
// The word2vec module: a small module of its own, so @zoo/word2vec ships without the main kernels.
compile('assembly/word2vec/index.ts', 'build/zoo-word2vec-simd.wasm', 'simd', [
  '--bindings',
  'raw',
]);
compile('assembly/word2vec/index.ts', 'build/zoo-word2vec-relaxed.wasm', 'simd,relaxed-simd');
// Its shared-memory build for Hogwild worker threads: every thread instantiates it over one
// shared memory (the same code; only the memory is declared shared, up to 4 GiB).
compile('assembly/word2vec/index.ts', 'build/zoo-word2vec-threads.wasm', 'simd,threads', [
  '--sharedMemory',
]);

// The embedded wasm is written as plain JavaScript modules with hand-written declarations:
// tsc only reads the declarations, so it neither parses the base64 nor emits source maps for
// it. The modules are copied to dist/ as they are (npm publishes them from there).
//
// A variant that differs little from another (relaxed SIMD from SIMD: only the kernels using
// relaxed instructions change; the threads build of word2vec: only its memory import) is
// embedded as a delta against it, so a bundle carries its bytes almost once. The format, which
// applyDelta in src/loader-core.ts decodes: varint target length, varint FNV-1a hash of the
// target, then ops until the target is complete, each a varint h: h even, h / 2 literal bytes
// follow; h odd, copy (h - 1) / 2 bytes of the base starting at `from`, where `from` is the
// end of the previous copy plus a zigzag varint.

function fnv1a(bytes) {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

function encodeDelta(base, target) {
  const out = [];
  const varint = (n) => {
    do {
      const b = n % 128;
      n = Math.floor(n / 128);
      out.push(n > 0 ? b | 0x80 : b);
    } while (n > 0);
  };
  varint(target.length);
  varint(fnv1a(target));
  // Candidate copy sources: positions of each 8-byte string of the base (the first few).
  const K = 8;
  const MIN_COPY = 12;
  const index = new Map();
  for (let i = 0; i + K <= base.length; i++) {
    const key = base.toString('latin1', i, i + K);
    const list = index.get(key);
    if (list === undefined) index.set(key, [i]);
    else if (list.length < 16) list.push(i);
  }
  let literal = [];
  const flush = () => {
    if (literal.length === 0) return;
    varint(literal.length * 2);
    out.push(...literal);
    literal = [];
  };
  let from = 0;
  for (let i = 0; i < target.length; ) {
    let best = 0;
    let bestAt = 0;
    const candidates = i + K <= target.length ? index.get(target.toString('latin1', i, i + K)) : [];
    for (const at of candidates ?? []) {
      let n = 0;
      while (i + n < target.length && at + n < base.length && target[i + n] === base[at + n]) n++;
      if (n > best || (n === best && at === from)) {
        best = n;
        bestAt = at;
      }
    }
    if (best >= MIN_COPY) {
      flush();
      varint(best * 2 + 1);
      const d = bestAt - from;
      varint(d < 0 ? -d * 2 + 1 : d * 2);
      from = bestAt + best;
      i += best;
    } else {
      literal.push(target[i]);
      i++;
    }
  }
  flush();
  return Buffer.from(out);
}

// The decoder, as in src/loader-core.ts, to check every delta before it is embedded.
function applyDelta(base, delta) {
  let p = 0;
  const varint = () => {
    let r = 0;
    let scale = 1;
    let b;
    do {
      b = delta[p++];
      r += (b & 0x7f) * scale;
      scale *= 128;
    } while (b & 0x80);
    return r;
  };
  const out = Buffer.alloc(varint());
  const hash = varint();
  let o = 0;
  let from = 0;
  while (o < out.length) {
    const h = varint();
    const n = Math.floor(h / 2);
    if (h % 2 === 0) {
      delta.copy(out, o, p, p + n);
      p += n;
    } else {
      const z = varint();
      from += z % 2 === 1 ? -(z - 1) / 2 : z / 2;
      base.copy(out, o, from, from + n);
      from += n;
    }
    o += n;
  }
  if (fnv1a(out) !== hash) throw new Error('build: a wasm delta does not decode to its target');
  return out;
}

function embedded(file, baseFile) {
  const bytes = readFileSync(join(build, file));
  if (baseFile === undefined) return { text: bytes.toString('base64'), size: bytes.length };
  const delta = encodeDelta(readFileSync(join(build, baseFile)), bytes);
  if (!applyDelta(readFileSync(join(build, baseFile)), delta).equals(bytes)) {
    throw new Error(`build: the delta of ${file} against ${baseFile} does not reproduce it`);
  }
  return { text: delta.toString('base64'), size: delta.length };
}

function writeEmbedded(name, entries) {
  const head = '// Generated by scripts/build.mjs: do not edit.\n';
  let js = head;
  let dts = head;
  for (const [id, file, baseFile] of entries) {
    const { text, size } = embedded(file, baseFile);
    js += `export const ${id} = '${text}';\n`;
    const what = baseFile === undefined ? '' : `, as a delta against \`${baseFile}\``;
    dts += `/** \`${file}\`${what} (${size} bytes), base64. */\nexport declare const ${id}: string;\n`;
  }
  for (const dir of [generated, distGenerated]) {
    writeFileSync(join(dir, `${name}.js`), js);
    writeFileSync(join(dir, `${name}.d.ts`), dts);
    // Left over from builds that compiled the embedded wasm as TypeScript.
    for (const stale of [`${name}.ts`, `${name}.js.map`, `${name}.d.ts.map`]) {
      rmSync(join(dir, stale), { force: true });
    }
  }
}
writeEmbedded('wasm', [
  ['SIMD_WASM_BASE64', 'zoo-simd.wasm'],
  ['RELAXED_WASM_DELTA_BASE64', 'zoo-relaxed.wasm', 'zoo-simd.wasm'],
  ['THREADS_WASM_DELTA_BASE64', 'zoo-threads.wasm', 'zoo-simd.wasm'],
  ['RELAXED_THREADS_WASM_DELTA_BASE64', 'zoo-relaxed-threads.wasm', 'zoo-relaxed.wasm'],
]);
writeEmbedded('word2vec-wasm', [
  ['W2V_SIMD_WASM_BASE64', 'zoo-word2vec-simd.wasm'],
  ['W2V_RELAXED_WASM_DELTA_BASE64', 'zoo-word2vec-relaxed.wasm', 'zoo-word2vec-simd.wasm'],
  ['W2V_THREADS_WASM_DELTA_BASE64', 'zoo-word2vec-threads.wasm', 'zoo-word2vec-simd.wasm'],
]);

// asc's raw bindings declare `namespace __AdaptedExports { export function f(a: number): void; }`;
// turn its members into an interface.
function writeInterface(dtsFile, outFile, name, doc) {
  const dts = readFileSync(join(build, dtsFile), 'utf8');
  const body = dts.slice(dts.indexOf('{') + 1, dts.indexOf('\n}'));
  const members = body
    .replace(/export const memory: WebAssembly\.Memory;/, 'readonly memory: WebAssembly.Memory;')
    .replace(/export function (\w+)\(/g, '$1(');
  writeFileSync(
    join(generated, outFile),
    `// Generated by scripts/build.mjs from asc's bindings: do not edit.\n/** ${doc} */\nexport interface ${name} {${members}}\n`,
  );
}
writeInterface(
  'zoo-simd.d.ts',
  'exports.ts',
  'KernelExports',
  'The raw exports of the Zoo kernel module (pointers are byte offsets into memory).',
);
writeInterface(
  'zoo-word2vec-simd.d.ts',
  'word2vec-exports.ts',
  'Word2VecKernelExports',
  'The raw exports of the Zoo word2vec kernel module (pointers are byte offsets into memory).',
);
console.log(
  `word2vec kernels: simd ${readFileSync(join(build, 'zoo-word2vec-simd.wasm')).length} B, relaxed ${readFileSync(join(build, 'zoo-word2vec-relaxed.wasm')).length} B, threads ${readFileSync(join(build, 'zoo-word2vec-threads.wasm')).length} B`,
);
console.log(
  `kernels: simd ${readFileSync(join(build, 'zoo-simd.wasm')).length} B, relaxed ${readFileSync(join(build, 'zoo-relaxed.wasm')).length} B, threads ${readFileSync(join(build, 'zoo-threads.wasm')).length} B, relaxed threads ${readFileSync(join(build, 'zoo-relaxed-threads.wasm')).length} B`,
);
