"""``RunRecorder``: what the runtime calls around each job to leave a record behind.

``start`` writes the ``running`` record, makes the run the target of ``runlab.log_metrics`` and adds it
to the index; ``finish`` flushes the metrics, writes the final record and updates the index.  Index
trouble (a locked or read-only database) is logged and never fails the job: the record on disk is the
truth and ``runlab index`` catches up.
"""

from __future__ import annotations

import logging
import os
import sys
import time
import traceback as traceback_module
from collections.abc import Mapping, Sequence
from contextvars import Token
from pathlib import Path
from typing import Any

from runlab._environ import set_variable, unset_variable
from runlab.tracking import metrics as metrics_module
from runlab.tracking.environment import (
    host_name,
    own_start_time,
    package_versions,
    python_info,
)
from runlab.tracking.gitinfo import git_state
from runlab.tracking.index_journal import append_pending
from runlab.tracking.records import STATUSES, RunRecord, write_record
from runlab.tracking.serialize import final_metrics, to_jsonable

__all__ = ["RunRecorder", "new_run_id", "params_from_overrides", "sweep_id_of"]

_log = logging.getLogger(__name__)
_MAX_CONFIG_LEAVES = 5000


def new_run_id() -> str:
    """A sortable, unique id: UTC start time plus random hex (``20261127-193512-3fa9c1``)."""
    # os.urandom is what secrets.token_hex reads; importing secrets/hashlib (OpenSSL) costs ~5 ms
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + os.urandom(3).hex()


def sweep_id_of(sweep_dir: str | os.PathLike[str]) -> str:
    """The id every job of a sweep derives from the sweep directory, without talking to each other."""
    import hashlib  # sweeps only: a single run does not load OpenSSL for it

    digest = hashlib.sha1(os.path.abspath(sweep_dir).encode()).hexdigest()[:8]
    return f"{Path(sweep_dir).name}-{digest}"


def params_from_overrides(overrides: Sequence[str]) -> dict[str, str]:
    """``["+lr=0.1", "db=mysql"]`` -> ``{"lr": "0.1", "db": "mysql"}``: the knobs this run turned.

    Deletions (``~key``) and ``hydra.*`` settings are not parameters of the experiment.
    """
    params: dict[str, str] = {}
    for text in overrides:
        key, sep, value = text.partition("=")
        if not sep or key.startswith("~"):
            continue
        key = key.lstrip("+").strip()
        if not key or key == "hydra" or key.startswith("hydra."):
            continue
        params[key] = value.strip()
    return params


def flatten_config(yaml_text: str | None) -> dict[str, Any]:
    """Dotted leaves of a config dump without its ``hydra`` node (lists stay whole values)."""
    if not yaml_text:
        return {}
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(yaml_text, Loader=loader)
    except yaml.YAMLError:
        return {}
    flat: dict[str, Any] = {}
    if isinstance(data, dict):
        _flatten(data, "", flat)
    return flat


def _flatten(node: Mapping[Any, Any], prefix: str, out: dict[str, Any]) -> None:
    for key, value in node.items():
        if not prefix and key == "hydra":
            continue
        if len(out) >= _MAX_CONFIG_LEAVES:
            return
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            _flatten(value, f"{name}.", out)
        else:
            out[name] = to_jsonable(value)


def _describe_error(error: BaseException | str | None) -> str | None:
    if error is None or isinstance(error, str):
        return error
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class RunRecorder:
    """The record of one run in progress; create with :meth:`start`, end with :meth:`finish`."""

    def __init__(self, record: RunRecord, index_path: Path | None) -> None:
        self.record = record
        self.index_path = index_path
        self.sink = metrics_module.MetricsSink(record.run_dir)
        self._token: Token[Any] | None = None
        self._previous_env: str | None = None
        self.finished = False

    @property
    def run_dir(self) -> str:
        return self.record.run_dir

    @property
    def run_id(self) -> str:
        return self.record.run_id

    @classmethod
    def start(
        cls,
        run_dir: str | os.PathLike[str],
        *,
        run_id: str | None = None,
        sweep_dir: str | os.PathLike[str] | None = None,
        job_num: int | None = None,
        overrides: Sequence[str] = (),
        choices: Mapping[str, Any] | None = None,
        config_yaml: str | None = None,
        resolved_yaml: str | None = None,
        config_flat: Mapping[str, Any] | None = None,
        origins: Mapping[str, str] | None = None,
        command_line: Sequence[str] | None = None,
        app_dir: str | os.PathLike[str] | None = None,
        index_path: str | os.PathLike[str] | None = None,
        launch_dir: str | os.PathLike[str] | None = None,
    ) -> RunRecorder:
        """Write the ``running`` record of ``run_dir`` and make it the active run.

        ``index_path`` None means ``$RUNLAB_INDEX``, else ``<launch_dir>/.runlab/index.db`` (the
        directory the app was started from; default the cwd, which is wrong once the job has
        changed into its output dir, hence the parameter); ``""`` disables indexing (the record is
        still written).  ``config_flat`` is ``flatten_config`` of the resolved YAML when the
        caller has it already.
        """
        run_dir = os.path.abspath(run_dir)
        pid = os.getpid()
        state = git_state(app_dir)
        record = RunRecord(
            run_id=run_id or new_run_id(),
            run_dir=run_dir,
            status="running",
            start=time.time(),
            sweep_id=sweep_id_of(sweep_dir) if sweep_dir is not None else None,
            sweep_dir=os.path.abspath(sweep_dir) if sweep_dir is not None else None,
            job_num=job_num,
            overrides=tuple(overrides),
            params=params_from_overrides(overrides),
            choices={k: v for k, v in (choices or {}).items() if not str(k).startswith("hydra/")},
            config_yaml=config_yaml,
            resolved_yaml=resolved_yaml,
            config_flat=(
                dict(config_flat)
                if config_flat is not None
                else flatten_config(resolved_yaml or config_yaml)
            ),
            origins=dict(origins or {}),
            host=host_name(),
            pid=pid,
            pid_started=own_start_time(),
            python=python_info(),
            packages=package_versions(),
            command_line=tuple(command_line if command_line is not None else sys.argv),
            cwd=os.getcwd(),
            app_dir=os.path.abspath(app_dir) if app_dir is not None else None,
            git=state.to_json() if state is not None else None,
        )
        if index_path is None:
            from runlab.tracking.store import default_index_path

            resolved_index: Path | None = default_index_path(launch_dir)
        else:
            resolved_index = Path(index_path) if str(index_path) else None
        recorder = cls(record, resolved_index)
        write_record(record)
        recorder._activate()
        recorder._update_index(record)
        return recorder

    def _activate(self) -> None:
        self._token = metrics_module.activate(self.sink)
        self._previous_env = os.environ.get(metrics_module.RUN_DIR_ENV)
        set_variable(metrics_module.RUN_DIR_ENV, self.record.run_dir)

    def _deactivate(self) -> None:
        metrics_module.deactivate(self.sink, self._token)
        if os.environ.get(metrics_module.RUN_DIR_ENV) == self.record.run_dir:
            if self._previous_env is None or self._previous_env == self.record.run_dir:
                unset_variable(metrics_module.RUN_DIR_ENV)
            else:
                set_variable(metrics_module.RUN_DIR_ENV, self._previous_env)

    def log_metrics(self, metrics: Mapping[str, Any], step: int | None = None) -> None:
        """Log into this run explicitly (whatever run is active)."""
        self.sink.add(metrics, step)

    def finish(self, status: Any, return_value: Any = None,
               error: BaseException | str | None = None, traceback: str | None = None,
               origins: Mapping[str, str] | None = None) -> RunRecord:
        """Flush metrics and write the final record (``completed``/``failed``/``killed``).

        ``origins`` given here replace the starting record's: the runtime computes them only once
        the task has returned, so working them out never delays the task.
        """
        status = str(getattr(status, "name", status)).lower()  # JobStatus.FAILED / "FAILED"
        if status not in STATUSES or status == "running":
            raise ValueError(f"finish(status={status!r}): expected one of completed, failed, killed")
        if self.finished:
            return self.record
        self.finished = True
        end = time.time()
        if traceback is None and isinstance(error, BaseException):
            traceback = "".join(traceback_module.format_exception(
                type(error), error, error.__traceback__))
        try:
            self.sink.close()
        except OSError as problem:
            _log.warning("could not write metrics of %s: %s", self.record.run_dir, problem)
        summaries = self._summaries()
        metrics = {name: summary["last"] for name, summary in summaries.items()}
        metrics.update(final_metrics(return_value))
        self.record = self.record.with_changes(
            status=status, end=end, duration=end - self.record.start,
            return_value=to_jsonable(return_value), error=_describe_error(error),
            traceback=traceback, metrics=metrics, metric_summaries=summaries,
            packages=package_versions(),
            **({"origins": dict(origins)} if origins is not None else {}),
        )
        self._deactivate()
        write_record(self.record)
        self._update_index(self.record)
        return self.record

    def _summaries(self) -> dict[str, dict[str, Any]]:
        """Per-metric summaries; re-read from the file only when other processes appended to it."""
        from dataclasses import asdict

        summaries = self.sink.summaries
        try:
            size = self.sink.path.stat().st_size
        except OSError:
            size = 0
        if size != self.sink.bytes_written:
            summaries = metrics_module.summarize_metrics_file(self.sink.path)
        return {name: asdict(summary) for name, summary in summaries.items()}

    def _update_index(self, record: RunRecord) -> None:
        """A sweep's own jobs go to its open index in batches; any other run waits in the index's
        pending file (no SQLite on a single run's path: see ``tracking.index_journal``)."""
        if self.index_path is None:
            return
        store = sys.modules.get("runlab.tracking.store")
        try:
            if (store is None or not store.deferring()) and append_pending(
                self.index_path, record.run_dir
            ):
                return
            from runlab.tracking.store import shared_index

            shared_index(self.index_path).submit(record, _record_mtime(record.run_dir))
        except Exception as problem:  # noqa: BLE001 - the index is a cache; the record is on disk
            _log.warning("run index %s not updated (%s); run `runlab index` to catch up",
                         self.index_path, problem)


def _record_mtime(run_dir: str) -> float | None:
    from runlab.tracking.records import RECORD_DIR, RECORD_FILE

    try:  # os.path rather than record_path(): a pathlib.Path costs more than the stat, twice a job
        return os.stat(os.path.join(run_dir, RECORD_DIR, RECORD_FILE)).st_mtime
    except OSError:
        return None
