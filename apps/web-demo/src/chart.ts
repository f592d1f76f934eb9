// A small line chart drawn on a canvas: loss on the left axis (auto-scaled), accuracy on the
// right axis (0-100%), epochs along the bottom. No library: about 150 lines of 2D context.

/** One series of (x, y) points. */
export interface Series {
  /** Legend label. */
  label: string;
  /** CSS colour. */
  color: string;
  /** Which axis the values use: 'left' (auto-scaled from 0) or 'right' (0..1, as %). */
  axis: 'left' | 'right';
  /** Points in x order. */
  points: [number, number][];
  /** Draw dots at the points (for sparse series such as per-epoch test figures). */
  dots?: boolean;
  /** Dashed line. */
  dashed?: boolean;
}

/** A canvas line chart with a left and a right axis. */
export class LineChart {
  private readonly ctx: CanvasRenderingContext2D;
  series: Series[] = [];
  /** Largest x shown (at least this; grows with the data). */
  xMax = 1;
  /** Label of the x axis. */
  xLabel = 'epoch';
  /** Label of the left axis. */
  leftLabel = 'loss';
  /** Label of the right axis. */
  rightLabel = 'accuracy';

  constructor(readonly canvas: HTMLCanvasElement) {
    const ctx = canvas.getContext('2d');
    if (ctx === null) throw new Error('LineChart: no 2D context');
    this.ctx = ctx;
  }

  /** Redraws everything at the canvas's displayed size (sharp on high-DPI screens). */
  draw(): void {
    const { canvas, ctx } = this;
    const dpr = globalThis.devicePixelRatio || 1;
    const cssW = canvas.clientWidth || canvas.width;
    const cssH = canvas.clientHeight || canvas.height;
    if (canvas.width !== Math.round(cssW * dpr) || canvas.height !== Math.round(cssH * dpr)) {
      canvas.width = Math.round(cssW * dpr);
      canvas.height = Math.round(cssH * dpr);
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cssW, cssH);
    const pad = { left: 52, right: 56, top: 30, bottom: 36 };
    const w = cssW - pad.left - pad.right;
    const h = cssH - pad.top - pad.bottom;
    let xMax = this.xMax;
    let leftMax = 0;
    for (const s of this.series) {
      for (const [x, y] of s.points) {
        if (x > xMax) xMax = x;
        if (s.axis === 'left' && Number.isFinite(y) && y > leftMax) leftMax = y;
      }
    }
    // Four grid steps of a round size: 0.6 -> 0, 0.6, 1.2, 1.8, 2.4.
    leftMax = 4 * niceStep((leftMax || 1) / 4);
    const px = (x: number) => pad.left + (x / xMax) * w;
    const pyL = (y: number) => pad.top + h - (y / leftMax) * h;
    const pyR = (y: number) => pad.top + h - y * h;

    // Grid and axes.
    ctx.font = '12px system-ui, sans-serif';
    ctx.lineWidth = 1;
    ctx.strokeStyle = '#e3e8e6';
    ctx.fillStyle = '#5f6b66';
    ctx.textBaseline = 'middle';
    for (let i = 0; i <= 4; i++) {
      const y = pad.top + (h * i) / 4;
      ctx.beginPath();
      ctx.moveTo(pad.left, y);
      ctx.lineTo(pad.left + w, y);
      ctx.stroke();
      ctx.textAlign = 'right';
      ctx.fillText(fmtTick((leftMax * (4 - i)) / 4), pad.left - 6, y);
      ctx.textAlign = 'left';
      ctx.fillText(`${(100 * (4 - i)) / 4}%`, pad.left + w + 6, y);
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    const xStep = Math.max(1, Math.ceil(xMax / 10));
    for (let x = 0; x <= xMax + 1e-9; x += xStep) {
      ctx.fillText(String(x), px(x), pad.top + h + 6);
      ctx.beginPath();
      ctx.moveTo(px(x), pad.top + h);
      ctx.lineTo(px(x), pad.top + h + 4);
      ctx.stroke();
    }
    ctx.fillText(this.xLabel, pad.left + w / 2, pad.top + h + 20);

    // Series.
    for (const s of this.series) {
      const py = s.axis === 'left' ? pyL : pyR;
      ctx.strokeStyle = s.color;
      ctx.fillStyle = s.color;
      ctx.lineWidth = 2;
      ctx.setLineDash(s.dashed ? [6, 4] : []);
      ctx.beginPath();
      s.points.forEach(([x, y], i) => {
        if (i === 0) ctx.moveTo(px(x), py(y));
        else ctx.lineTo(px(x), py(y));
      });
      ctx.stroke();
      ctx.setLineDash([]);
      if (s.dots) {
        for (const [x, y] of s.points) {
          ctx.beginPath();
          ctx.arc(px(x), py(y), 3.5, 0, 2 * Math.PI);
          ctx.fill();
        }
      }
    }

    // Legend.
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    let lx = pad.left;
    for (const s of this.series) {
      ctx.fillStyle = s.color;
      ctx.fillRect(lx, 10, 14, 4);
      ctx.fillStyle = '#1d2421';
      const label = `${s.label} (${s.axis === 'left' ? this.leftLabel : this.rightLabel} axis)`;
      ctx.fillText(label, lx + 19, 12);
      lx += 19 + ctx.measureText(label).width + 18;
    }
  }
}

/** The smallest round step (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten) >= `v`. */
function niceStep(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v * (1 - 1e-9)) return m * p;
  return 10 * p;
}

function fmtTick(v: number): string {
  return String(Number(v.toPrecision(3)));
}
