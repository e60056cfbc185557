// Sweep page, Optuna study section (templates/_study.html): the study's figures, drawn once loaded.
"use strict";
(function () {
  const section = document.getElementById("optuna-study");
  if (!section) return;
  const state = document.getElementById("study-state");
  const holder = document.getElementById("study-charts");

  async function drawStudy() {
    try {
      const study = await runlab.getJSON(section.dataset.studyUrl);
      holder.replaceChildren();
      study.figures.forEach((spec) => {
        const div = document.createElement("div");
        div.className = "chart study-chart";
        holder.appendChild(div);
        const parcoords = spec.data.length && spec.data[0].type === "parcoords";
        if (parcoords && runlab.parallel) runlab.parallel(div, spec); else runlab.draw(div, spec);
      });
      state.textContent = study.figures.length ? "study " + study.study : "no trial finished yet";
      document.body.dataset.studyDrawn = String(study.figures.length);
    } catch (error) {
      state.textContent = "study figures failed to load: " + error.message;
    }
  }

  runlab.whenPlotly(drawStudy);
  // While the sweep runs, sweep.js bumps data-live-updates when its runs change: new trials.
  new MutationObserver(drawStudy).observe(document.body, { attributeFilter: ["data-live-updates"] });
})();
