/** Drawing arrays on a canvas: a heatmap (viridis), an image, a line plot. */

/** viridis at 0, 1/8, ..., 1 (matplotlib's values, rounded to bytes). */
const VIRIDIS: readonly (readonly [number, number, number])[] = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
];

/** The colour of `t` in [0, 1] (NaN is grey). */
export function viridis(t: number): [number, number, number] {
  if (Number.isNaN(t)) return [128, 128, 128];
  const x = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = VIRIDIS[i]!;
  const b = VIRIDIS[i + 1]!;
  return [
    Math.round(a[0] + f * (b[0] - a[0])),
    Math.round(a[1] + f * (b[1] - a[1])),
    Math.round(a[2] + f * (b[2] - a[2])),
  ];
}

/** Scale of a cell so that the longer side is about 480 pixels (at least 1). */
function cellSize(rows: number, cols: number): number {
  return Math.max(1, Math.floor(480 / Math.max(rows, cols)));
}

function blit(canvas: HTMLCanvasElement, rows: number, cols: number, rgba: Uint8ClampedArray): void {
  const scale = cellSize(rows, cols);
  canvas.width = cols * scale;
  canvas.height = rows * scale;
  canvas.dataset.cell = String(scale);
  const src = document.createElement('canvas');
  src.width = cols;
  src.height = rows;
  src.getContext('2d')!.putImageData(new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, cols, rows), 0, 0);
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(src, 0, 0, canvas.width, canvas.height);
}

/** Each value a cell, coloured from `min` (dark violet) to `max` (yellow); ±inf at the ends. */
export function drawHeatmap(
  canvas: HTMLCanvasElement,
  p: { rows: number; cols: number; values: Float32Array; min: number; max: number },
): void {
  const rgba = new Uint8ClampedArray(p.rows * p.cols * 4);
  const span = p.max - p.min;
  for (let i = 0; i < p.rows * p.cols; i++) {
    const v = p.values[i]!;
    const t =
      v === Number.POSITIVE_INFINITY
        ? 1
        : v === Number.NEGATIVE_INFINITY
          ? 0
          : span > 0
            ? (v - p.min) / span
            : 0.5;
    const [r, g, b] = viridis(t);
    rgba[4 * i] = r;
    rgba[4 * i + 1] = g;
    rgba[4 * i + 2] = b;
    rgba[4 * i + 3] = 255;
  }
  blit(canvas, p.rows, p.cols, rgba);
}

export function drawImage(
  canvas: HTMLCanvasElement,
  p: { rows: number; cols: number; rgba: Uint8ClampedArray },
): void {
  blit(canvas, p.rows, p.cols, p.rgba);
}

/** The values as a line, from `min` (bottom) to `max` (top). */
export function drawLine(
  canvas: HTMLCanvasElement,
  p: { values: Float32Array; min: number; max: number },
): void {
  canvas.width = 600;
  canvas.height = 200;
  delete canvas.dataset.cell;
  const ctx = canvas.getContext('2d')!;
  const style = getComputedStyle(document.body);
  ctx.fillStyle = style.backgroundColor || '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const pad = 8;
  const w = canvas.width - 2 * pad;
  const h = canvas.height - 2 * pad;
  const n = p.values.length;
  const span = p.max - p.min || 1;
  ctx.strokeStyle = '#0b57d0';
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  let pen = false;
  for (let i = 0; i < n; i++) {
    const v = p.values[i]!;
    if (!Number.isFinite(v)) {
      pen = false;
      continue;
    }
    const x = pad + (n === 1 ? w / 2 : (i * w) / (n - 1));
    const y = pad + h - ((v - p.min) / span) * h;
    if (pen) ctx.lineTo(x, y);
    else ctx.moveTo(x, y);
    pen = true;
  }
  ctx.stroke();
  ctx.fillStyle = style.color || '#000';
  ctx.font = '12px system-ui, sans-serif';
  ctx.fillText(String(p.max), pad + 2, pad + 12);
  ctx.fillText(String(p.min), pad + 2, canvas.height - pad - 2);
}
