#!/usr/bin/env node
// Draws resources/icon.png (512×512): a Pareto front of points on a dark tile. Run once; the PNG is committed.
import { writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';

const N = 512;
const png = new PNG({ width: N, height: N });
const set = (x, y, [r, g, b, a]) => {
  if (x < 0 || y < 0 || x >= N || y >= N) return;
  const i = (N * y + x) << 2;
  png.data[i] = r; png.data[i + 1] = g; png.data[i + 2] = b; png.data[i + 3] = a;
};
const radius = 96;
for (let y = 0; y < N; y++) {
  for (let x = 0; x < N; x++) {
    // Rounded square.
    const dx = Math.max(radius - x, 0, x - (N - 1 - radius));
    const dy = Math.max(radius - y, 0, y - (N - 1 - radius));
    const inside = dx * dx + dy * dy <= radius * radius;
    const t = y / N;
    set(x, y, inside ? [Math.round(17 + 10 * t), Math.round(20 + 14 * t), Math.round(28 + 30 * t), 255] : [0, 0, 0, 0]);
  }
}
const dot = (cx, cy, r, color) => {
  for (let y = -r; y <= r; y++) for (let x = -r; x <= r; x++) if (x * x + y * y <= r * r) set(Math.round(cx + x), Math.round(cy + y), color);
};
// Dominated points, faded.
for (const [x, y] of [[190, 330], [260, 300], [330, 250], [300, 360], [380, 330], [230, 390], [400, 270]]) dot(x, y, 14, [90, 110, 140, 255]);
// The front: a convex curve of bright points joined by a line.
const front = [];
for (let i = 0; i <= 6; i++) {
  const t = i / 6;
  front.push([110 + 300 * t, 120 + 300 * (1 - Math.sqrt(1 - (1 - t) ** 2))]);
}
for (let i = 0; i + 1 < front.length; i++) {
  const [x0, y0] = front[i];
  const [x1, y1] = front[i + 1];
  for (let s = 0; s <= 1; s += 0.002) dot(x0 + (x1 - x0) * s, y0 + (y1 - y0) * s, 5, [64, 200, 170, 255]);
}
for (const [x, y] of front) dot(x, y, 20, [90, 230, 190, 255]);
writeFileSync(new URL('../resources/icon.png', import.meta.url), PNG.sync.write(png));
