// Run page: metric charts, and the log filtered as you type.
"use strict";
(function () {
  const holder = document.getElementById("run-charts");
  if (holder) {
    runlab.whenPlotly(async () => {
      try {
        const result = await runlab.getJSON(holder.dataset.src);
        result.charts.forEach((spec) => {
          const div = document.createElement("div");
          holder.appendChild(div);
          runlab.draw(div, spec);
        });
        document.body.dataset.chartsDrawn = "1";
      } catch (error) {
        holder.textContent = "charts failed to load: " + error.message;
      }
    });
  }

  const levels = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"];
  const search = document.getElementById("log-search");
  const level = document.getElementById("log-level");
  const shown = document.getElementById("log-shown");
  const rows = Array.from(document.querySelectorAll("#log-table tbody tr[data-level]"));
  function filterLog() {
    const needle = search.value.toLowerCase();
    const floor = level.value ? levels.indexOf(level.value) : -1;
    let count = 0;
    rows.forEach((row) => {
      const visible = levels.indexOf(row.dataset.level) >= floor && row.textContent.toLowerCase().includes(needle);
      row.hidden = !visible;
      if (visible) count += 1;
    });
    shown.textContent = String(count);
  }
  if (search && level) {
    search.addEventListener("input", filterLog);
    level.addEventListener("change", filterLog);
  }
})();
