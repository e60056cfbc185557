"""The dashboard's routes through Starlette's TestClient: content, filters, escaping, safety."""

from __future__ import annotations

import json
import math
import os
import re
import time
from pathlib import Path
from typing import Any

import pytest
from run_factory import make_run, make_sweep
from starlette.testclient import TestClient

from runlab.tracking.records import LOG_FILE, RECORD_DIR, RunRecord
from runlab.tracking.store import RunIndex
from runlab.web.app import LOOPBACK_HOSTS, create_app

XSS = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


class Site:
    """A small recorded project: a 2x2x2 sweep (one failed job) and a single run with XSS values."""

    def __init__(self, root: Path) -> None:
        self._record(root)
        self.app = create_app(self.index)
        self.client = TestClient(self.app)

    def _record(self, root: Path) -> None:
        self.index = root / "index.db"
        self.sweep = make_sweep(
            root / "multirun" / "s1", {"db": ["mysql", "postgres"], "lr": [0.1, 0.01],
                                       "seed": [0, 1]},
            lambda p: (0.2 if p["db"] == "mysql" else 0.4) + float(p["lr"]) + 0.01 * p["seed"],
            fail=lambda p: p["db"] == "postgres" and p["lr"] == 0.01 and p["seed"] == 1,
            groups=["db"], index_path=self.index)
        self.single = make_run(
            root / "outputs" / "one", overrides=[f"note={XSS}"],
            config={"note": XSS, "lr": 0.5, "nested": {"depth": 3}},
            origins={"note": f"override note={XSS}", "lr": "config.yaml"},
            series={"loss": [1.0, 0.5, math.nan]}, result={"loss": math.nan, "acc": 0.5},
            index_path=self.index)
        log = Path(self.single.run_dir) / RECORD_DIR / LOG_FILE
        entries = [
            {"time": time.time(), "level": "INFO", "logger": "train", "message": f"hello {XSS}"},
            {"time": time.time(), "level": "WARNING", "logger": "train", "message": "careful"},
            {"time": time.time(), "level": "ERROR", "logger": "train", "message": "broken",
             "exception": "Traceback ...\nValueError: x"},
        ]
        log.write_text("".join(json.dumps(e) + "\n" for e in entries) + "not json\n")
        self.sweep_id = self.sweep[0].sweep_id

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.client.get(url, **kwargs)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """Shared by the module's tests: they only read (the two that add files add distinct ones)."""
    return Site(tmp_path_factory.mktemp("site"))


def _rows(html: str, table: str) -> list[str]:
    body = html.split(f'id="{table}"', 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr[ >].*?</tr>", body, re.DOTALL)[1:] if "<thead>" in body else []


# -- listings ------------------------------------------------------------------------------------
def test_sweeps_list_shows_each_sweep_with_status_counts(site: Site) -> None:
    response = site.get("/")
    assert response.status_code == 200
    assert f'href="/sweeps/{site.sweep_id}"' in response.text
    assert "1 sweep" in response.text
    assert re.search(r"completed</span> 7", response.text)
    assert re.search(r"failed</span> 1", response.text)


def test_sweeps_list_search_and_since(site: Site) -> None:
    assert site.sweep_id in site.get("/", params={"q": site.sweep_id[:4]}).text
    assert "no sweeps match" in site.get("/", params={"q": "zzz-nothing"}).text
    assert "no sweeps match" in site.get("/", params={"since": "2999-01-01"}).text
    bad = site.get("/", params={"since": "yesterday-ish"})
    assert bad.status_code == 400 and "cannot read --since" in bad.text


def test_runs_list_newest_first_with_params_and_metrics(site: Site) -> None:
    response = site.get("/runs")
    assert response.status_code == 200
    assert "9 runs" in response.text
    ids = re.findall(r'data-run-id="([^"]+)"', response.text)
    assert ids[0] == site.single.run_id  # recorded last
    assert len(ids) == 9
    assert '<th class="metric">' in response.text and ">loss" in response.text


@pytest.mark.parametrize(("params", "count"), [
    ({"status": "failed"}, 1),
    ({"status": ["failed", "completed"]}, 9),
    ({"where": "db=mysql"}, 4),
    ({"where": "db=postgres; lr<0.05"}, 2),
    ({"where": "loss<0.25"}, 2),
    ({"q": "note="}, 1),
    ({"q": "lr=0.01", "status": "completed"}, 3),
    ({"since": "1h"}, 9),
    ({"until": "1h"}, 0),
    ({"sweep": "nonexistent"}, 0),
])
def test_runs_list_filters(site: Site, params: dict[str, Any], count: int) -> None:
    response = site.get("/runs", params=params)
    assert response.status_code == 200
    assert f">{count} run{'' if count == 1 else 's'}<" in response.text
    assert len(re.findall(r'data-run-id="', response.text)) == count


def test_runs_list_sort_by_metric(site: Site) -> None:
    response = site.get("/runs", params={"status": "completed", "sort": "-loss"})
    ids = re.findall(r'data-run-id="([^"]+)"', response.text)
    losses = {r.run_id: r.metrics.get("loss") for r in site.sweep}
    shown = [losses[i] for i in ids if i in losses]
    assert shown == sorted(shown, reverse=True) and len(shown) == 7


@pytest.mark.parametrize(("params", "message"), [
    ({"where": "loss"}, "cannot read --where"),
    ({"since": "soon"}, "cannot read --since"),
    ({"status": "exploded"}, "unknown status"),
])
def test_runs_list_bad_filters_answer_400_with_the_reason(site: Site, params: dict[str, str],
                                                          message: str) -> None:
    response = site.get("/runs", params=params)
    assert response.status_code == 400
    assert message in response.text


def test_runs_list_paginates_10_000_runs_fast(tmp_path: Path) -> None:
    index_path = tmp_path / "index.db"
    with RunIndex(index_path) as index:
        index.upsert([RunRecord(run_id=f"run-{i:05d}", run_dir=str(tmp_path / str(i)),
                                status="completed", start=1_000_000.0 + i,
                                params={"lr": str(i % 7)}, metrics={"loss": i / 10_000})
                      for i in range(10_000)])
    client = TestClient(create_app(index_path))
    client.get("/")  # server up, index opened
    began = time.process_time()  # CPU of the process (the handler runs in a worker thread):
    first = client.get("/runs")  # stable on a loaded CI machine, unlike wall time
    elapsed = time.process_time() - began
    ids = re.findall(r'data-run-id="([^"]+)"', first.text)
    assert ids == [f"run-{i:05d}" for i in range(9999, 9949, -1)]
    assert "page 1 of 200" in first.text and 'rel="next"' in first.text
    assert elapsed < 1.0, f"first page of 10,000 runs took {elapsed:.2f}s"
    last = client.get("/runs", params={"page": 200})
    assert re.findall(r'data-run-id="([^"]+)"', last.text)[-1] == "run-00000"
    assert 'rel="next"' not in last.text
    filtered = client.get("/runs", params={"where": "lr=3", "sort": "loss", "page": 2})
    assert "1429 runs" in filtered.text and "page 2 of 29" in filtered.text


# -- one sweep -----------------------------------------------------------------------------------
def test_sweep_page_compare_table_groups_over_seeds_best_first(site: Site) -> None:
    response = site.get(f"/sweeps/{site.sweep_id}")
    assert response.status_code == 200
    rows = _rows(response.text, "compare")
    assert len(rows) == 4  # db x lr, aggregated over seed
    assert 'class="best"' in rows[0] and ">mysql<" in rows[0] and ">0.01<" in rows[0]
    assert "aggregated over seed" in response.text
    failed = _rows(response.text, "failed")
    assert len(failed) == 1 and "job 7 exploded" in failed[0]
    assert 'src="/vendor/plotly.min.js"' in response.text


def test_sweep_page_sorts_groups_by_clicked_column(site: Site) -> None:
    ascending = _rows(site.get(f"/sweeps/{site.sweep_id}", params={"sort": "lr"}).text,
                      "compare")
    assert [">0.01<" in r for r in ascending] == [True, True, False, False]
    descending = _rows(site.get(f"/sweeps/{site.sweep_id}",
                                params={"sort": "mean", "desc": "1"}).text, "compare")
    assert ">postgres<" in descending[0] and ">0.1<" in descending[0]


def test_sweep_page_metric_mode_by_and_over(site: Site) -> None:
    acc = site.get(f"/sweeps/{site.sweep_id}", params={"metric": "acc"})
    assert "acc (max is best)" in acc.text
    by_db = site.get(f"/sweeps/{site.sweep_id}", params={"by": "db"})
    assert len(_rows(by_db.text, "compare")) == 2
    missing = site.get(f"/sweeps/{site.sweep_id}", params={"metric": "nope"})
    assert missing.status_code == 200 and "no completed run has metric" in missing.text


def test_sweep_status_and_charts_json(site: Site) -> None:
    status = site.get(f"/api/sweeps/{site.sweep_id}/status").json()
    assert status["total"] == 8
    assert status["counts"] == {"running": 0, "completed": 7, "failed": 1, "killed": 0}
    charts = site.get(f"/api/sweeps/{site.sweep_id}/charts").json()
    assert charts["metric"] == "loss"
    assert [c["layout"]["xaxis"]["title"]["text"] for c in charts["param"]] == ["db", "lr"]
    dims = charts["parallel"]["data"][0]["dimensions"]
    assert [d["label"] for d in dims] == ["db", "lr", "seed", "loss"]
    assert len(dims[0]["values"]) == 7
    assert 1 <= len(charts["curves"]["data"]) <= 20
    live = site.get(f"/sweeps/{site.sweep_id}/live")
    assert live.status_code == 200 and 'id="compare"' in live.text and "<html" not in live.text


# -- one run -------------------------------------------------------------------------------------
def test_run_page_escapes_every_recorded_value(site: Site) -> None:
    response = site.get(f"/runs/{site.single.run_id}")
    assert response.status_code == 200
    assert XSS not in response.text
    assert response.text.count(ESCAPED) >= 4  # config value, origin, override, log message
    for url in ("/", "/runs", f"/runs/{site.single.run_id}/diff?other={site.sweep[0].run_id}"):
        assert XSS not in site.get(url).text


def test_run_page_config_origins_overrides_metrics(site: Site) -> None:
    run = site.sweep[0]
    html = site.get(f"/runs/{run.run_id}").text
    config = "".join(_rows(html, "config-table"))
    assert "db.name" in config and "db/mysql.yaml" in config
    assert "override lr=0.1" in config
    assert "db=mysql" in html.split('id="overrides"')[1].split("</section>")[0]
    metrics = "".join(_rows(html, "metrics-table"))
    assert ">loss<" in metrics and ">acc<" in metrics
    assert f'href="/sweeps/{site.sweep_id}"' in html
    # the other jobs of the sweep are offered for a diff
    assert html.count('<option value="20') == 7


def test_a_running_run_page_is_live_until_the_run_ends(tmp_path: Path) -> None:
    from runlab.tracking.metrics import flush_metrics, log_metrics
    from runlab.tracking.recorder import RunRecorder

    index = tmp_path / "index.db"
    recorder = RunRecorder.start(
        tmp_path / "run", overrides=["db.port=3307"], config_yaml="db:\n  port: 3307\n",
        origins=None, command_line=["app.py"], app_dir=None, index_path=index)
    client = TestClient(create_app(index))
    run_id = recorder.run_id
    try:
        page = client.get(f"/runs/{run_id}").text
        assert 'data-running="1"' in page and "live-dot" in page
        assert "recorded when the run ends" in page  # origins come with the final record
        first = client.get(f"/api/runs/{run_id}/status").json()
        assert first["status"] == "running" and first["running"] is True
        assert f'data-version="{first["version"]}"' in page
        log_metrics({"loss": 0.5}, step=0)
        flush_metrics()
        second = client.get(f"/api/runs/{run_id}/status").json()
        assert second["version"] != first["version"]
        live = client.get(f"/runs/{run_id}/live").text
        assert "<html" not in live and 'id="run-status"' in live
        assert "<th>last</th>" in live  # no final value yet: the last one logged
        assert ">loss<" in live and ">0.5<" in live
    finally:
        recorder.finish("completed", origins={"db.port": "override db.port=3307"})
    ended = client.get(f"/api/runs/{run_id}/status").json()
    assert ended["status"] == "completed" and ended["running"] is False
    final = client.get(f"/runs/{run_id}/live").text
    assert "live-dot" not in final and "override db.port=3307" in final
    assert 'data-running="0"' in client.get(f"/runs/{run_id}").text


def test_a_running_record_whose_process_is_gone_shows_killed(tmp_path: Path) -> None:
    import subprocess
    import sys

    from runlab.tracking.recorder import RunRecorder
    from runlab.tracking.records import read_record, write_record

    index = tmp_path / "index.db"
    recorder = RunRecorder.start(tmp_path / "run", config_yaml="a: 1\n", command_line=["app.py"],
                                 app_dir=None, index_path=index)
    recorder.finish("completed")
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    record = read_record(tmp_path / "run")
    assert record is not None
    write_record(record.with_changes(status="running", end=None, pid=int(gone.stdout)))
    client = TestClient(create_app(index))
    status = client.get(f"/api/runs/{record.run_id}/status").json()
    assert (status["status"], status["running"]) == ("killed", False)
    assert 'data-running="0"' in client.get(f"/runs/{record.run_id}").text


def test_run_page_log_filters_by_level_and_text(site: Site) -> None:
    url = f"/runs/{site.single.run_id}"
    everything = _rows(site.get(url).text, "log-table")
    assert len(everything) == 4 and "not json" in everything[-1]
    warnings = _rows(site.get(url, params={"level": "warning"}).text, "log-table")
    assert [("WARNING" in r, "ERROR" in r) for r in warnings] == [(True, False), (False, True)]
    assert "ValueError: x" in warnings[1]
    found = _rows(site.get(url, params={"log_q": "CAREFUL"}).text, "log-table")
    assert len(found) == 1 and "careful" in found[0]


def test_run_metrics_json_has_one_chart_per_metric_and_no_nan(site: Site) -> None:
    response = site.get(f"/api/runs/{site.single.run_id}/metrics")
    assert response.status_code == 200
    assert "NaN" not in response.text
    charts = response.json()["charts"]
    assert [c["layout"]["yaxis"]["title"]["text"] for c in charts] == ["loss"]
    assert charts[0]["data"][0]["y"] == [1.0, 0.5, None]


def test_diff_page_shows_group_change_and_values(site: Site) -> None:
    left, right = site.sweep[0], site.sweep[4]  # db mysql -> postgres
    html = site.get(f"/runs/{left.run_id}/diff", params={"other": right.run_id}).text
    groups = _rows(html, "group-diff")
    assert len(groups) == 1 and ">mysql<" in groups[0] and ">postgres<" in groups[0]
    same = site.get(f"/runs/{left.run_id}/diff", params={"other": left.run_id}).text
    assert "the configs are identical" in same


def test_run_files_are_listed_and_served_as_text(site: Site) -> None:
    run_dir = Path(site.single.run_dir)
    (run_dir / "page.html").write_text(XSS)
    html = site.get(f"/runs/{site.single.run_id}").text
    assert f"/runs/{site.single.run_id}/files/.runlab/run.json" in html
    served = site.get(f"/runs/{site.single.run_id}/files/page.html")
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("text/plain")
    assert served.headers["x-content-type-options"] == "nosniff"
    record = site.get(f"/runs/{site.single.run_id}/files/.runlab/run.json")
    assert record.json()["run_id"] == site.single.run_id


# -- safety --------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", [
    "..%2F..%2Findex.db", "%2e%2e/%2e%2e/index.db", "%2Fetc%2Fpasswd", "..%5C..%5Cindex.db",
    ".runlab/../../../index.db", "nope.txt", ".runlab", "%00",
])
def test_run_files_never_leave_the_run_directory(site: Site, path: str) -> None:
    response = site.get(f"/runs/{site.single.run_id}/files/{path}")
    assert response.status_code == 404
    assert "SQLite" not in response.text and "root:" not in response.text


def test_symlink_out_of_the_run_directory_is_refused(site: Site, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    os.symlink(secret, Path(site.single.run_dir) / "link.txt")
    html = site.get(f"/runs/{site.single.run_id}").text
    assert "link.txt" not in html
    response = site.get(f"/runs/{site.single.run_id}/files/link.txt")
    assert response.status_code == 404 and "top secret" not in response.text


@pytest.mark.parametrize("url", [
    "/runs/nope", "/runs/nope/diff?other=x", "/runs/nope/live", "/sweeps/nope",
    "/sweeps/nope/live",
    "/runs/..%2F..%2Fetc", "/sweeps/%00", "/runs/nope/files/run.json", "/no/such/page",
])
def test_unknown_ids_answer_404_pages(site: Site, url: str) -> None:
    response = site.get(url)
    assert response.status_code == 404
    assert "404" in response.text and "Traceback" not in response.text


def test_diff_against_unknown_or_missing_run_is_404(site: Site) -> None:
    run_id = site.single.run_id
    assert site.get(f"/runs/{run_id}/diff", params={"other": "nope"}).status_code == 404
    assert site.get(f"/runs/{run_id}/diff").status_code == 404


@pytest.mark.parametrize("url", ["/api/sweeps/nope/status", "/api/sweeps/nope/charts",
                                 "/api/runs/nope/status",
                                 "/api/runs/nope/metrics"])
def test_unknown_ids_answer_404_json(site: Site, url: str) -> None:
    response = site.get(url)
    assert response.status_code == 404
    assert "nope" in response.json()["error"]


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("url", ["/", "/runs", "/static/dashboard.js", "/api/sweeps/x/status"])
def test_only_get_is_answered(site: Site, method: str, url: str) -> None:
    response = site.client.request(method, url)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"


def test_security_headers_on_every_response(site: Site) -> None:
    for url in ("/", f"/sweeps/{site.sweep_id}", "/api/sweeps/x/status", "/static/sweep.js"):
        headers = site.get(url).headers
        policy = headers["content-security-policy"]
        script_src = policy.split("script-src", 1)[1].split(";", 1)[0]
        assert script_src.strip() == "'self'"
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"


def test_loopback_dashboard_refuses_foreign_host_headers(site: Site) -> None:
    client = TestClient(create_app(site.index, allowed_hosts=list(LOOPBACK_HOSTS)),
                        base_url="http://127.0.0.1:8765")
    assert client.get("/").status_code == 200
    assert client.get("/", headers={"host": "localhost:8765"}).status_code == 200
    assert client.get("/", headers={"host": "evil.example:8765"}).status_code == 400


def test_plotly_is_served_from_the_installed_package(site: Site) -> None:
    import plotly

    response = site.get("/vendor/plotly.min.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/javascript")
    bundled = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    assert response.content == bundled.read_bytes()
    assert site.get("/static/dashboard.js").status_code == 200
    assert site.get("/static/../app.py").status_code == 404


def test_no_index_yet_shows_empty_pages(tmp_path: Path) -> None:
    client = TestClient(create_app(tmp_path / "missing.db"))
    assert "no sweeps recorded" in client.get("/").text
    assert "0 runs" in client.get("/runs").text
    assert client.get("/runs/x").status_code == 404
    assert not (tmp_path / "missing.db").exists()  # reading never creates an index


def test_sweeps_list_filters_on_job_status_and_params(site: Site) -> None:
    assert site.sweep_id in site.get("/", params={"status": "failed"}).text
    assert "no sweeps match" in site.get("/", params={"status": "running"}).text
    assert site.sweep_id in site.get("/", params={"where": "db=postgres; lr=0.01"}).text
    assert "no sweeps match" in site.get("/", params={"where": "lr=0.5"}).text  # single run only
    assert "no sweeps match" in site.get("/", params={"until": "2000-01-01"}).text
    assert site.get("/", params={"where": "=="}).status_code == 400


def test_search_text_is_literal_not_a_like_pattern(site: Site) -> None:
    assert "0 runs" in site.get("/runs", params={"q": "%"}).text
    assert "0 runs" in site.get("/runs", params={"q": "_"}).text
    assert "no sweeps match" in site.get("/", params={"q": "%"}).text


def test_sweep_without_completed_runs(tmp_path: Path) -> None:
    records = make_sweep(tmp_path / "s", {"lr": [1, 2]}, lambda p: 1.0,
                         fail=lambda p: True, index_path=tmp_path / "i.db")
    client = TestClient(create_app(tmp_path / "i.db"))
    page = client.get(f"/sweeps/{records[0].sweep_id}")
    assert page.status_code == 200
    assert "no completed run with a metric yet" in page.text
    assert len(_rows(page.text, "failed")) == 2
    charts = client.get(f"/api/sweeps/{records[0].sweep_id}/charts").json()
    assert charts == {"metric": None, "param": [], "parallel": None, "curves": None}


@pytest.mark.parametrize("path", ["/static/..%2Fapp.py", "/static/%2e%2e/app.py",
                                  "/static/../templates/base.html", "/vendor/..%2Fapp.py"])
def test_static_files_never_leave_the_static_directory(site: Site, path: str) -> None:
    response = site.get(path)
    assert response.status_code == 404
    assert "create_app" not in response.text and "{% block" not in response.text
