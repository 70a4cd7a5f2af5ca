// Tiny live line charts in plain SVG: no framework, no canvas bookkeeping.
const W = 300;
const H = 90;
const PAD = 4;

/**
 * Draw series (arrays of numbers or nulls, oldest first) as lines scaled to a shared max.
 * @param {SVGSVGElement} svg
 * @param {{label: string, color: string, values: (number|null)[]}[]} lines
 * @param {{min?: number, format: (n: number) => string}} opts
 * Points between gaps (nulls) get a dot: a line needs two.
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
  const has = (v) => v !== null && v !== undefined && Number.isFinite(v);
  const paths = lines
    .map((l) => {
      let d = '';
      let dots = '';
      const offset = n - l.values.length;
      l.values.forEach((v, i) => {
        if (!has(v)) return;
        const at = `${x(i + offset).toFixed(1)},${y(v).toFixed(1)}`;
        const joined = has(l.values[i - 1]);
        d += `${joined ? 'L' : 'M'}${at}`;
        // A second with data between idle ones is a lone point, which a line cannot show:
        // a zero-length stroke with round caps draws it as a dot.
        if (!joined && !has(l.values[i + 1])) dots += `M${at}h0`;
      });
      const line = `<path d="${d}" stroke="${l.color}" class="line" vector-effect="non-scaling-stroke"/>`;
      return dots
        ? `${line}<path d="${dots}" stroke="${l.color}" class="dot" vector-effect="non-scaling-stroke"/>`
        : line;
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
