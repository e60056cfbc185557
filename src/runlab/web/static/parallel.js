// Parallel coordinates drawn as plain SVG.
// Why not plotly's parcoords: it needs WebGL, which costs seconds per chart without a GPU (remote
// desktops, CI browsers) - an SVG polyline per run draws thousands of runs in a fraction of that.
"use strict";
(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const MAX_LINES = 3000;
  // viridis, sampled
  const STOPS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];

  function viridis(t) {
    const x = Math.min(1, Math.max(0, t)) * (STOPS.length - 1);
    const i = Math.min(STOPS.length - 2, Math.floor(x));
    const f = x - i;
    const c = STOPS[i].map((v, k) => Math.round(v + f * (STOPS[i + 1][k] - v)));
    return `rgb(${c[0]},${c[1]},${c[2]})`;
  }

  function el(name, attrs, parent) {
    const node = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
    if (parent) parent.appendChild(node);
    return node;
  }

  function fmt(value) {
    return Math.abs(value) >= 1e4 || (value !== 0 && Math.abs(value) < 1e-3) ? value.toExponential(2) : String(+value.toPrecision(4));
  }

  // spec: {data: [{dimensions: [{label, values, tickvals?, ticktext?}], line: {color: [...]}}], layout}
  window.runlab.parallel = function (target, spec) {
    const trace = spec.data[0];
    const dims = trace.dimensions;
    const colors = trace.line.color;
    const count = colors.length;
    const step = Math.max(1, Math.ceil(count / MAX_LINES));
    const width = Math.max(480, target.clientWidth || 900);
    const height = 380;
    const margin = { top: 56, bottom: 28, left: 70, right: 90 };
    const inner = height - margin.top - margin.bottom;
    const gap = dims.length > 1 ? (width - margin.left - margin.right) / (dims.length - 1) : 0;
    target.replaceChildren();
    const svg = el("svg", { class: "parallel-svg", width, height, viewBox: `0 0 ${width} ${height}` }, target);
    const title = el("text", { x: width / 2, y: 18, "text-anchor": "middle", class: "parallel-title" }, svg);
    title.textContent = (spec.layout.title && spec.layout.title.text) || "parallel coordinates";
    const scales = dims.map((dim) => {
      const values = dim.values;
      let low = Infinity;
      let high = -Infinity;
      for (const v of values) { if (v !== null) { if (v < low) low = v; if (v > high) high = v; } }
      const span = high - low || 1;
      return (v) => (v === null ? null : margin.top + inner * (1 - (high === low ? 0.5 : (v - low) / span)));
    });
    let cLow = Infinity;
    let cHigh = -Infinity;
    for (const c of colors) { if (c !== null) { if (c < cLow) cLow = c; if (c > cHigh) cHigh = c; } }
    const lines = el("g", { class: "lines", fill: "none", "stroke-opacity": count > 500 ? 0.35 : 0.75 }, svg);
    for (let row = 0; row < count; row += step) {
      let d = "";
      for (let k = 0; k < dims.length; k++) {
        const y = scales[k](dims[k].values[row]);
        if (y === null) continue;
        d += (d ? "L" : "M") + (margin.left + k * gap).toFixed(1) + " " + y.toFixed(1);
      }
      el("path", { d, stroke: viridis((colors[row] - cLow) / (cHigh - cLow || 1)), class: "run-line" }, lines);
    }
    dims.forEach((dim, k) => {
      const x = margin.left + k * gap;
      const axis = el("g", { class: "axis" }, svg);
      el("line", { x1: x, x2: x, y1: margin.top, y2: margin.top + inner, stroke: "#333" }, axis);
      const label = el("text", { x, y: margin.top - 22, "text-anchor": "middle", class: "axis-label" }, axis);
      label.textContent = dim.label;
      const ticks = dim.ticktext
        ? dim.tickvals.map((v, i) => [v, dim.ticktext[i]])
        : (() => {
            const present = dim.values.filter((v) => v !== null);
            if (!present.length) return [];
            const low = Math.min(...present.slice(0, 100000));
            const high = Math.max(...present.slice(0, 100000));
            return low === high ? [[low, fmt(low)]] : [[low, fmt(low)], [(low + high) / 2, fmt((low + high) / 2)], [high, fmt(high)]];
          })();
      for (const [value, text] of ticks) {
        const y = scales[k](value);
        el("line", { x1: x - 4, x2: x, y1: y, y2: y, stroke: "#333" }, axis);
        const tick = el("text", { x: x - 6, y: y + 4, "text-anchor": "end", class: "tick" }, axis);
        tick.textContent = text;
      }
    });
    const note = el("text", { x: width - 4, y: height - 6, "text-anchor": "end", class: "tick" }, svg);
    note.textContent = `${Math.ceil(count / step)} of ${count} runs · color: ${dims[dims.length - 1].label}`;
  };
})();
