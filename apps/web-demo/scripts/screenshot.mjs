#!/usr/bin/env node
// Takes the README's screenshot of the demo (docs/web-demo.png): serves the built dist/,
// opens it in headless Chromium, draws a "3" with the mouse and captures the page.
//
//   node apps/web-demo/scripts/screenshot.mjs [--out docs/web-demo.png]
// Needs a built demo (npm run build) and Chromium (/usr/bin/chromium or ZOO_CHROMIUM).
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const app = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({
  options: { out: { type: 'string', default: join(app, '../../docs/web-demo.png') } },
});

const server = spawn(process.execPath, [join(app, 'server.mjs'), '--port', '0'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const origin = await new Promise((ok, fail) => {
  let out = '';
  server.stdout.on('data', (d) => {
    out += d;
    const m = /listening on (http:\/\/\S+?)\//.exec(out);
    if (m) ok(m[1]);
  });
  server.on('exit', (code) => fail(new Error(`the server exited with code ${code}`)));
});

const profile = await mkdtemp(join(tmpdir(), 'zoo-shot-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.ZOO_CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  viewport: { width: 1100, height: 700 },
  deviceScaleFactor: 1,
});
try {
  const page = await context.newPage();
  await page.goto(`${origin}/#draw`);
  await page.waitForFunction(() =>
    /accurate on/.test(document.getElementById('draw-info')?.textContent ?? ''),
  );
  const box = await page.locator('#draw-canvas').boundingBox();
  const at = (x, y) => [box.x + (x * box.width) / 280, box.y + (y * box.height) / 280];
  // A "3": two arcs, clockwise, in one stroke (angles in degrees, y pointing down).
  const points = [];
  const arc = (cx, cy, r, from, to) => {
    for (let i = 0; i <= 20; i++) {
      const a = ((from + ((to - from) * i) / 20) * Math.PI) / 180;
      points.push([cx + r * Math.cos(a), cy + r * Math.sin(a)]);
    }
  };
  arc(138, 88, 48, -160, 100);
  arc(138, 185, 56, -105, 150);
  await page.mouse.move(...at(...points[0]));
  await page.mouse.down();
  for (const p of points.slice(1)) await page.mouse.move(...at(...p), { steps: 3 });
  await page.mouse.up();
  await page.waitForTimeout(300);
  const digit = await page.evaluate(() => document.getElementById('prediction')?.dataset.digit);
  await page.screenshot({ path: resolve(opts.out) });
  console.log(`wrote ${resolve(opts.out)} (the page read the drawing as ${digit})`);
} finally {
  await context.close();
  await rm(profile, { recursive: true, force: true });
  server.kill();
}
