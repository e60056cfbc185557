// Sweep page: charts fetched after the page shows, and live updates while jobs run.
"use strict";
(function () {
  const live = document.getElementById("live");
  if (!live) return;
  const state = document.getElementById("chart-state");

  function chartDiv(parent) {
    const div = document.createElement("div");
    parent.appendChild(div);
    return div;
  }

  async function drawCharts() {
    try {
      const charts = await runlab.getJSON(live.dataset.chartsUrl);
      const params = document.getElementById("param-charts");
      const parallel = document.getElementById("parallel-chart");
      const curves = document.getElementById("curves-chart");
      if (params.children.length !== charts.param.length) params.replaceChildren();
      charts.param.forEach((spec, i) => runlab.draw(params.children[i] || chartDiv(params), spec));
      if (charts.parallel) runlab.parallel(parallel, charts.parallel); else parallel.textContent = "no varying parameters";
      if (charts.curves) runlab.draw(curves, charts.curves); else curves.textContent = "no metric series logged";
      state.textContent = charts.metric ? "" : "no completed run with a metric yet";
      document.body.dataset.chartsDrawn = String(Number(document.body.dataset.chartsDrawn || 0) + 1);
    } catch (error) {
      state.textContent = "charts failed to load: " + error.message;
    }
  }

  let version = null;
  async function poll() {
    try {
      const status = await runlab.getJSON(live.dataset.statusUrl);
      if (version !== null && status.version !== version) {
        const response = await fetch(live.dataset.liveUrl);
        if (response.ok) {
          // our own server-rendered, escaped fragment
          live.innerHTML = await response.text();
          document.body.dataset.liveUpdates = String(Number(document.body.dataset.liveUpdates || 0) + 1);
          drawCharts();
        }
      }
      version = status.version;
    } catch (error) {
      /* server gone or restarting: keep trying */
    }
    setTimeout(poll, 2000);
  }

  runlab.whenPlotly(drawCharts);
  poll();
})();
