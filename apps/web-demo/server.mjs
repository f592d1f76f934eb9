#!/usr/bin/env node
// Serves the built web demo (dist/) on 127.0.0.1 with the cross-origin isolation headers
// (COOP same-origin + COEP require-corp) that SharedArrayBuffer, and so wasm threads, need.
//
//   node apps/web-demo/server.mjs [--port 8080] [--host 127.0.0.1] [--dir DIR] [--no-isolation]
//
// --port 0 picks a free port. The first line on stdout is `listening on http://HOST:PORT/`.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  // Served as bytes (no Content-Encoding): the pages gunzip with DecompressionStream.
  '.gz': 'application/gzip',
  '.txt': 'text/plain; charset=utf-8',
};

let opts;
try {
  ({ values: opts } = parseArgs({
    options: {
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      dir: { type: 'string', default: join(here, 'dist') },
      'no-isolation': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }));
} catch (err) {
  console.error(`web-demo server: ${err.message}`);
  process.exit(2);
}
if (opts.help) {
  console.log(
    'usage: node apps/web-demo/server.mjs [--port 8080] [--host 127.0.0.1] [--dir DIR] [--no-isolation]',
  );
  process.exit(0);
}
const port = Number(opts.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`web-demo server: --port must be an integer in [0, 65535], got ${opts.port}`);
  process.exit(2);
}
const root = resolve(opts.dir);
try {
  await stat(join(root, 'index.html'));
} catch {
  console.error(
    `web-demo server: ${join(root, 'index.html')} is missing; build first (npm run build -w @zoo/web-demo)`,
  );
  process.exit(2);
}

const server = createServer(async (req, res) => {
  const headers = { 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' };
  if (!opts['no-isolation']) {
    headers['cross-origin-opener-policy'] = 'same-origin';
    headers['cross-origin-embedder-policy'] = 'require-corp';
    headers['cross-origin-resource-policy'] = 'same-origin';
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { ...headers, allow: 'GET, HEAD' }).end();
    return;
  }
  let path;
  try {
    path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
  } catch {
    res.writeHead(400, headers).end('bad request');
    return;
  }
  if (path.endsWith('/')) path += 'index.html';
  const file = normalize(join(root, path));
  if (!file.startsWith(root + sep)) {
    res.writeHead(403, headers).end('forbidden');
    return;
  }
  let info;
  try {
    info = await stat(file);
  } catch {
    info = null;
  }
  if (info === null || !info.isFile()) {
    res.writeHead(404, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
    res.end(`not found: ${path}`);
    return;
  }
  res.writeHead(200, {
    ...headers,
    'content-type': MIME[extname(file)] ?? 'application/octet-stream',
    'content-length': info.size,
  });
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
});

server.on('error', (err) => {
  console.error(`web-demo server: ${err.message}`);
  process.exit(1);
});
server.listen(port, opts.host, () => {
  const addr = server.address();
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  console.log(`listening on http://${host}:${addr.port}/`);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
