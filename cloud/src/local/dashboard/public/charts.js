// Tiny live line charts in plain SVG: no framework, no canvas bookkeeping.
const W = 300;
const H = 90;
const PAD = 4;

/**
 * Draw series (arrays of numbers or nulls, oldest first) as lines scaled to a shared max.
 * @param {SVGSVGElement} svg
 * @param {{label: string, color: string, values: (number|null)[]}[]} lines
 * @param {{min?: number, format: (n: number) => string}} opts
 */
export function drawChart(svg, lines, opts) {
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  const all = lines.flatMap((l) => l.values.filter((v) => v !== null && Number.isFinite(v)));
  const max = Math.max(opts.min ?? 1, ...all) * 1.1;
  const n = Math.max(2, ...lines.map((l) => l.values.length));
  const x = (i) => (i / (n - 1)) * W;
  const y = (v) => H - PAD - (v / max) * (H - 2 * PAD);
  const grid = [0.25, 0.5, 0.75]
    .map((f) => `<line x1="0" x2="${W}" y1="${y((max * f) / 1.1)}" y2="${y((max * f) / 1.1)}" class="grid"/>`)
    .join('');
  const paths = lines
    .map((l) => {
      let d = '';
      let pen = false;
      const offset = n - l.values.length;
      l.values.forEach((v, i) => {
        if (v === null || !Number.isFinite(v)) {
          pen = false;
          return;
        }
        d += `${pen ? 'L' : 'M'}${x(i + offset).toFixed(1)},${y(v).toFixed(1)}`;
        pen = true;
      });
      return `<path d="${d}" stroke="${l.color}" class="line" vector-effect="non-scaling-stroke"/>`;
    })
    .join('');
  svg.innerHTML = `${grid}${paths}<text x="${W - 2}" y="11" class="axis">${opts.format(max / 1.1)}</text>`;
}

/** Fill a legend list once. */
export function legend(ul, lines) {
  if (ul.childElementCount) return;
  ul.innerHTML = lines
    .map((l) => `<li><span class="swatch" style="background:${l.color}"></span>${l.label}</li>`)
    .join('');
}
