"""End-to-end: the dashboard in a real chromium over sweeps recorded by a real runlab app."""

from __future__ import annotations

import re
import sqlite3
import time
from typing import Any

from web_support import XSS, Recorded, Served, index_rows, run_app, write_app

from runlab.tracking.index_journal import index_exists


def _sweep_id(recorded: Recorded) -> str:
    rows = index_rows(recorded.index, "SELECT DISTINCT sweep_id FROM runs WHERE sweep_id IS NOT NULL")
    assert len(rows) == 1
    return str(rows[0][0])


def _clean(page: Any) -> None:
    watch = page.watch
    assert watch.dialogs == [], f"a dialog fired: {watch.dialogs}"
    assert watch.errors == [], f"script errors: {watch.errors}"
    assert watch.failed == [], f"failed requests: {watch.failed}"


def test_sweeps_list_links_to_the_sweep_page_with_drawn_charts(
        page: Any, served: Served, recorded: Recorded) -> None:
    page.goto(served.url + "/")
    assert page.locator("#sweeps tbody tr").count() == 1
    page.click("#sweeps tbody a")
    assert "/sweeps/" in page.url
    assert page.locator("h1").inner_text().endswith(_sweep_id(recorded))
    # compare table: 2 groups (lr 0.1, 0.2) aggregated over seeds, best (lowest loss) first
    rows = page.locator("#compare tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).locator("td").first.inner_text() == "0.2"
    assert "best" in (rows.nth(0).get_attribute("class") or "")
    # failed jobs with their errors, escaped
    failed = page.locator("#failed tbody tr")
    assert failed.count() == 2
    assert "lr too high: <b>0.3</b>" in failed.nth(0).inner_text()
    assert page.locator("#failed b").count() == 0
    # charts drawn by plotly.js served from the installed package
    page.wait_for_selector("#param-charts .main-svg")
    page.wait_for_function("document.body.dataset.chartsDrawn >= 1")
    assert page.locator("#param-charts .scatterlayer .trace").count() >= 1
    assert page.locator("#param-charts .scatterlayer path.js-line").count() >= 1
    assert page.locator("#curves-chart .scatterlayer .trace").count() == 4  # 2 best groups x 2 seeds
    # parallel coordinates (SVG): one line per completed run, axes lr, seed, loss
    assert page.locator("#parallel-chart svg path.run-line").count() == 4
    assert page.locator("#parallel-chart svg .axis-label").all_text_contents() == ["lr", "seed",
                                                                                 "loss"]
    _clean(page)


def test_compare_table_sorts_by_clicked_column(page: Any, served: Served, recorded: Recorded
                                               ) -> None:
    page.goto(f"{served.url}/sweeps/{_sweep_id(recorded)}")

    def first_lr() -> str:
        return page.locator("#compare tbody tr").nth(0).locator("td").first.inner_text()

    assert first_lr() == "0.2"
    page.click("#compare th a[data-key=lr]")
    page.wait_for_url(re.compile(r"sort=lr"))
    assert first_lr() == "0.1"
    page.click("#compare th a[data-key=lr]")
    page.wait_for_url(re.compile(r"desc=1"))
    assert first_lr() == "0.2"
    page.select_option("#compare-form select[name=metric]", "acc")
    page.click("#compare-form button")
    page.wait_for_url(re.compile(r"metric=acc"))
    assert "acc (max is best)" in page.locator("#live h2").first.inner_text()
    _clean(page)


def test_runs_list_filters_sorts_and_opens_a_run_showing_values_as_text(
        page: Any, served: Served, recorded: Recorded) -> None:
    page.goto(served.url + "/runs")
    assert page.locator("#run-count").inner_text() == "7 runs"
    page.check("#run-filters input[value=failed]")
    page.click("#run-filters button")
    assert page.locator("#run-count").inner_text() == "2 runs"
    page.uncheck("#run-filters input[value=failed]")
    page.fill("#run-filters input[name=where]", "loss<0.5; lr<0.3")
    page.click("#run-filters button")
    assert page.locator("#run-count").inner_text() == "2 runs"  # lr=0.2, both seeds
    page.goto(served.url + "/runs?status=completed")
    page.click("#runs th.metric a:text-is('loss')")
    page.wait_for_url(re.compile(r"sort=loss"))
    headers = [h.split()[0] if h.strip() else h for h in
               page.locator("#runs thead th").all_inner_texts()]
    column = headers.index("loss") + 1
    losses = [float(t) for t in
              page.locator(f"#runs tbody tr td:nth-child({column})").all_inner_texts()]
    assert losses == sorted(losses) and len(losses) == 5
    page.fill("#run-filters input[name=q]", "width=16")
    page.click("#run-filters button")
    assert page.locator("#run-count").inner_text() == "1 run"
    page.click("#runs tbody tr a >> nth=0")
    assert "/runs/" in page.url
    # the XSS config value is shown as text, nothing ran
    value = page.locator("#config-table tr", has_text="note").locator("td.value")
    assert value.inner_text() == XSS
    assert page.locator("#config-table script").count() == 0
    assert "model.width=16" in page.locator("#overrides").inner_text()
    page.wait_for_selector("#run-charts .main-svg")
    assert page.locator("#run-charts .scatterlayer .trace").count() == 2  # acc, loss
    _clean(page)


def test_run_log_filters_by_text_and_level_and_diff_opens(
        page: Any, served: Served, recorded: Recorded) -> None:
    page.goto(served.url + "/runs?status=failed")
    page.click("#runs tbody tr a >> nth=0")
    assert "lr too high" in page.locator("#error").inner_text()
    assert "Traceback" in page.locator("#error pre").inner_text()
    visible = page.locator("#log-table tbody tr:not([hidden])")
    assert set(visible.locator("td:nth-child(2)").all_inner_texts()) == {"INFO", "WARNING"}
    assert XSS in page.locator("#log-table").inner_text()
    page.select_option("#log-level", "WARNING")
    assert set(visible.locator("td:nth-child(2)").all_inner_texts()) == {"WARNING"}
    page.select_option("#log-level", "")
    page.fill("#log-search", "finished")
    assert visible.count() == 1 and "finished" in visible.inner_text()
    page.click("#diff-form button")
    assert "/diff?other=" in page.url
    assert page.locator("#value-diff tbody tr").count() >= 1
    _clean(page)


def test_running_sweep_updates_without_reload(page: Any, served: Served, tmp_path: Any) -> None:
    write_app(tmp_path)
    gate = tmp_path / "gate"
    gate.mkdir()
    index = served_index(served)
    process = run_app(tmp_path, index, "-m", "lr=0.11,0.12,0.13", f"gate={gate}", wait=False)

    def progress() -> str:
        return str(page.locator("#progress-text").inner_text())

    try:
        sweep_id = None
        deadline = time.monotonic() + 60
        while sweep_id is None and time.monotonic() < deadline:
            rows = index_rows(index, "SELECT sweep_id FROM runs WHERE overrides LIKE ?",
                              ("%lr=0.11%",))
            sweep_id = rows[0][0] if rows else None
            time.sleep(0.05)
        assert sweep_id, "the sweep never reached the index"
        page.goto(f"{served.url}/sweeps/{sweep_id}")
        page.evaluate("window.__notReloaded = true")
        assert progress().startswith("1 jobs") and "running 1" in progress()
        assert page.locator(".live-dot").count() == 1
        (gate / "0.11").touch()
        page.wait_for_function(
            "document.querySelector('#progress-text').innerText.startsWith('2 jobs')",
            timeout=60_000)
        assert "completed 1" in progress()
        assert page.locator("#compare tbody tr").count() == 1
        (gate / "0.12").touch()
        (gate / "0.13").touch()
        page.wait_for_function(
            "document.querySelector('#progress-text').innerText.startsWith('3 jobs')"
            " && !document.querySelector('.live-dot')", timeout=60_000)
        assert "completed 3" in progress()
        assert page.locator("#compare tbody tr").count() == 3
        assert page.evaluate("window.__notReloaded") is True
        assert int(page.evaluate("document.body.dataset.liveUpdates")) >= 2
        page.wait_for_function("document.querySelectorAll('#curves-chart .trace').length == 3")
    finally:
        for name in ("0.11", "0.12", "0.13"):
            (gate / name).touch()
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    _clean(page)


def served_index(served: Served) -> Any:
    return served.server.config.app.state.dashboard.index_path


LIVE_APP = '''
import logging
import os
import time

import runlab
from runlab.tracking import flush_metrics

log = logging.getLogger("train")


def wait(path):
    deadline = time.monotonic() + 60
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise TimeoutError(path)
        time.sleep(0.02)


@runlab.main(config_path="conf", config_name="config", version_base=None)
def train(cfg):
    for step in range(3):
        wait(os.path.join(cfg.gate, f"step{step}"))
        runlab.log_metrics({"loss": 1.0 / (step + 1)}, step=step)
        flush_metrics()
        log.info("step %d done", step)
    wait(os.path.join(cfg.gate, "finish"))
    return 0


if __name__ == "__main__":
    train()
'''


def _points(page: Any) -> int:
    return int(page.evaluate(
        "(document.querySelector('#run-charts > div') || {data: [{x: []}]}).data[0].x.length"))


def test_running_run_page_shows_status_chart_and_log_growing_then_finished(
        page: Any, tmp_path: Any) -> None:
    from web_support import Served

    (tmp_path / "conf" / "db").mkdir(parents=True)
    (tmp_path / "app.py").write_text(LIVE_APP)
    (tmp_path / "conf" / "config.yaml").write_text(
        "defaults:\n  - db: mysql\n  - _self_\ngate: ''\nlr: 0.1\n")
    (tmp_path / "conf" / "db" / "mysql.yaml").write_text("host: localhost\nport: 3306\n")
    gate = tmp_path / "gate"
    gate.mkdir()
    index = tmp_path / "index.db"
    served = Served(index)
    process = run_app(tmp_path, index, "db.port=3307", "+new=1", f"gate={gate}",
                      "hydra.run.dir=out", wait=False)
    try:
        (gate / "step0").touch()
        deadline = time.monotonic() + 60
        rows: list[tuple[Any, ...]] = []
        while not rows and time.monotonic() < deadline:
            try:
                rows = index_rows(index, "SELECT run_id FROM runs") if index_exists(index) else []
            except sqlite3.OperationalError:  # the file exists, its schema is being created
                rows = []
            time.sleep(0.05)
        assert rows, "the run never reached the index"
        page.goto(f"{served.url}/runs/{rows[0][0]}")
        page.evaluate("window.__notReloaded = true")
        assert page.locator("#run-status").inner_text().startswith("running")
        assert page.locator("#run-status .live-dot").count() == 1
        running = page.locator("#config-table tr", has_text="db.host").inner_text()
        assert running.split("\t")[-1] == "db/mysql"  # origins are there from the start
        page.wait_for_function("document.querySelector('#run-charts > div')"
                               " && document.querySelector('#run-charts > div').data[0].x.length >= 1")
        (gate / "step1").touch()
        page.wait_for_function(
            "document.querySelector('#run-charts > div').data[0].x.length == 2", timeout=30_000)
        assert "step 1 done" in page.locator("#log-table").inner_text()
        assert page.locator("#run-status").inner_text().startswith("running")
        (gate / "step2").touch()
        page.wait_for_function(
            "document.querySelector('#run-charts > div').data[0].x.length == 3", timeout=30_000)
        (gate / "finish").touch()
        page.wait_for_function("document.body.dataset.liveEnded === '1'", timeout=30_000)
        assert page.locator("#run-status").inner_text() == "completed"
        assert page.locator("#run-status .live-dot").count() == 0
        assert _points(page) == 3
        assert page.evaluate("window.__notReloaded") is True
        origins = {row.split("\t")[0]: row.split("\t")[-1] for row in
                   page.locator("#config-table tbody tr").all_inner_texts()}
        assert origins["db.port"] == "override db.port=3307"
        assert origins["db.host"] == "db/mysql"
        assert origins["new"] == "override +new=1" and origins["lr"] == "config"
        polls: list[str] = []
        page.on("request", lambda r: polls.append(r.url) if "/status" in r.url else None)
        page.wait_for_timeout(1300)  # longer than the poll interval: the ended page stays quiet
        assert polls == []
    finally:
        for name in ("step0", "step1", "step2", "finish"):
            (gate / name).touch()
        output, _ = process.communicate(timeout=60)
        served.stop()
    assert process.returncode == 0, output
    _clean(page)
