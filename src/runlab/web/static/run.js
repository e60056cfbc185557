// Run page: metric charts, the log filtered as you type, and live updates while the run runs.
"use strict";
(function () {
  const holder = document.getElementById("run-charts");

  async function drawCharts() {
    if (!holder) return;
    try {
      const result = await runlab.getJSON(holder.dataset.src);
      // Plotly.react redraws a chart in place, so a live chart grows without flicker.
      result.charts.forEach((spec, i) => {
        let div = holder.children[i];
        if (!div) {
          div = document.createElement("div");
          holder.appendChild(div);
        }
        runlab.draw(div, spec);
      });
      document.body.dataset.chartsDrawn = String(Number(document.body.dataset.chartsDrawn || 0) + 1);
    } catch (error) {
      holder.textContent = "charts failed to load: " + error.message;
    }
  }

  const levels = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"];
  const search = document.getElementById("log-search");
  const level = document.getElementById("log-level");
  function filterLog() {
    // rows are looked up each time: live updates replace the log table
    const rows = document.querySelectorAll("#log-table tbody tr[data-level]");
    const shown = document.getElementById("log-shown");
    const needle = search.value.toLowerCase();
    const floor = level.value ? levels.indexOf(level.value) : -1;
    let count = 0;
    rows.forEach((row) => {
      const visible = levels.indexOf(row.dataset.level) >= floor && row.textContent.toLowerCase().includes(needle);
      row.hidden = !visible;
      if (visible) count += 1;
    });
    if (shown) shown.textContent = String(count);
  }
  if (search && level) {
    search.addEventListener("input", filterLog);
    level.addEventListener("change", filterLog);
  }

  // Live: while the run runs, poll its status; when its files change, swap in the parts of the
  // page marked data-live (our own server-rendered, escaped fragment) and redraw the charts.
  // The last poll that sees the run ended does one final update, then polling stops.
  const live = document.getElementById("run-live");
  async function update() {
    const response = await fetch(live.dataset.liveUrl);
    if (!response.ok) return;
    const fragment = new DOMParser().parseFromString(await response.text(), "text/html");
    fragment.querySelectorAll("[data-live][id]").forEach((part) => {
      const current = document.getElementById(part.id);
      if (current) current.replaceWith(document.importNode(part, true));
    });
    if (search && level) filterLog();
    document.body.dataset.liveUpdates = String(Number(document.body.dataset.liveUpdates || 0) + 1);
    await drawCharts();
  }

  let version = live ? live.dataset.version : null;
  async function poll() {
    let running = true;
    try {
      const status = await runlab.getJSON(live.dataset.statusUrl);
      running = status.running;
      if (status.version !== version) await update();
      version = status.version;
    } catch (error) {
      /* server gone or restarting: keep trying */
    }
    if (running) setTimeout(poll, 1000);
    else document.body.dataset.liveEnded = "1";
  }

  runlab.whenPlotly(drawCharts);
  if (live && live.dataset.running === "1") poll();
})();
