// Shared helpers of the runlab dashboard (no build step, no dependencies besides plotly.js).
"use strict";
window.runlab = {
  // Draw a {data, layout} spec into a new div appended to `parent` (or into `parent` itself).
  draw(target, spec) {
    if (!window.Plotly) { target.textContent = "charts need plotly.js (pip install 'runlab[web]')"; return; }
    const layout = Object.assign({ autosize: true, font: { size: 11 } }, spec.layout || {});
    return window.Plotly.react(target, spec.data, layout, { responsive: true, displaylogo: false });
  },
  async getJSON(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(url + ": HTTP " + response.status);
    return response.json();
  },
  // Wait for the deferred plotly.js before drawing.
  whenPlotly(callback) {
    if (window.Plotly || document.readyState === "complete") callback();
    else window.addEventListener("load", callback, { once: true });
  },
};
