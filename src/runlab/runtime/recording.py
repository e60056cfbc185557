"""The single hook where a job's run record is started and finished (wired to ``runlab.tracking``).

``run_job`` calls ``start_recording`` right before the task and ``finish_recording`` right after it;
keeping both calls here means the runtime knows the tracker through two functions only.  Recording
never fails a job: the tracker logs its own trouble and ``runlab index`` catches up from the files.

Where each value came from (``Composed.origins``) rides on the job's config object itself
(:func:`attach_origins`): the config is the one value that travels every way from composition to
the job -- a ``JobSpec`` to an in-process, process-pool or remote launcher, a pickled batch, a
Hydra-style launcher's ``load_sweep_config`` -- so no interface between them had to grow a field.
The carrier is :class:`TaskOrigins`: lazy in-process, a plain table once pickled.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from typing import Any

from runlab._values import frozen

__all__ = [
    "Recording",
    "TaskOrigins",
    "attach_origins",
    "finish_recording",
    "origins_of",
    "origins_table",
    "start_recording",
]

_ORIGINS_ATTRIBUTE = "_runlab_origins"


class TaskOrigins(Mapping[str, str]):
    """Dotted task key -> where its value came from; the ``hydra`` node is left out.

    ``source`` is a composition's origins (computed on first use, by ``without_hydra()`` when it has
    one, which skips the hydra node) or an already computed table; ``changes`` are laid over it --
    what a sweep job built from a template changed.  Pickling computes the table once and sends
    only it, so the template a sweep keeps, and every job handed to another process, carries a
    small dict instead of the parsed config files.
    """

    def __init__(self, source: Mapping[str, str], changes: Mapping[str, str] | None = None) -> None:
        self._source = source
        self._changes = dict(changes or {})
        self._table: dict[str, str] | None = None

    @property
    def computed(self) -> bool:
        """True when reading the table costs nothing more (already a plain table)."""
        return self._table is not None or type(self._source) is dict

    def table(self) -> dict[str, str]:
        """The whole table, worked out on the first call."""
        if self._table is None:
            source = self._source
            without_hydra = getattr(source, "without_hydra", None)
            if callable(without_hydra):
                base: dict[str, str] = dict(without_hydra())
            else:
                base = {k: v for k, v in source.items() if k.partition(".")[0] != "hydra"}
            base.update(self._changes)
            self._table = base
            # Let go of the composition (its parsed files) now that the table is all we need.
            self._source, self._changes = base, {}
        return self._table

    def with_changes(self, changes: Mapping[str, str]) -> TaskOrigins:
        """These origins with ``changes`` laid over (``self`` stays as it is)."""
        if not changes:
            return self
        if self._table is not None:
            return TaskOrigins(self._table, changes)
        return TaskOrigins(self._source, {**self._changes, **changes})

    def __getitem__(self, key: str) -> str:
        return self.table()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.table())

    def __len__(self) -> int:
        return len(self.table())

    def __reduce__(self) -> tuple[Any, ...]:
        return (TaskOrigins, (self.table(),))

    def __repr__(self) -> str:
        return f"TaskOrigins({self.table()!r})"


def attach_origins(config: Any, origins: Mapping[str, str] | None) -> None:
    """Let ``config`` carry its origins to the job that records it (see the module docstring).

    Written into the object's ``__dict__``: pickling a DictConfig keeps it, while ``deepcopy`` (the
    task's own copy) drops it, so user code never sees it.
    """
    if origins is None:
        config.__dict__.pop(_ORIGINS_ATTRIBUTE, None)
        return
    carried = origins if isinstance(origins, TaskOrigins) else TaskOrigins(origins)
    config.__dict__[_ORIGINS_ATTRIBUTE] = carried


def origins_of(config: Any) -> TaskOrigins | None:
    """The origins :func:`attach_origins` put on ``config``, if any."""
    carried = getattr(config, "__dict__", {}).get(_ORIGINS_ATTRIBUTE)
    return carried if isinstance(carried, TaskOrigins) else None


@frozen
class Recording:
    """A started run record plus origins still to compute when it finishes."""

    recorder: Any
    pending_origins: TaskOrigins | None


def origins_table(origins: TaskOrigins | None) -> dict[str, str] | None:
    """The worked-out table of ``origins`` (None when there are none or working them out fails)."""
    if origins is None:
        return None
    try:
        return origins.table()
    except Exception:  # noqa: BLE001 - a record without origins beats a failed job
        return None


def _index_path(launch_dir: str) -> str:
    """Where the run index lives: ``$RUNLAB_INDEX``, else ``.runlab/index.db`` in the launch directory.

    The launch directory (``hydra.runtime.cwd``), not the current one: with ``hydra.job.chdir`` the job
    runs inside its output directory, and every job of a sweep must land in the same index.
    """
    from_env = os.environ.get("RUNLAB_INDEX")
    return from_env if from_env is not None else os.path.join(launch_dir, ".runlab", "index.db")


def start_recording(
    *,
    config: Any,
    task_config: Any,
    config_yaml: str,
    output_dir: str,
    overrides: tuple[str, ...],
) -> Any:
    """Begin the run record of one job; returns the handle passed back to ``finish_recording``.

    ``task_config``/``config_yaml`` are the job's config without ``hydra`` and its YAML, which the
    job already made for ``.hydra/config.yaml``: the record reuses them instead of converting the
    whole config (the ``hydra`` node is most of it) again on every job of a sweep.  Origins the
    config carries go into the starting record when that is cheap: a single run (one look at its
    own keys, ~0.2 ms for a small config, so a live dashboard shows them from the start) or a
    sweep job built from a template (a table already); a sweep job composed in full gets them in
    its final record, so the per-job path before the task does not grow.
    """
    from omegaconf import OmegaConf

    from runlab.config._node_values import child
    from runlab.config.interpolation import select_resolved
    from runlab.tracking.recorder import RunRecorder

    hydra = child(config, "hydra")
    mode = child(hydra, "mode", None)
    in_sweep = str(getattr(mode, "name", mode)) == "MULTIRUN"
    runtime = child(hydra, "runtime")
    launch_dir = child(runtime, "cwd", None) or os.getcwd()
    resolved_yaml: str | None = config_yaml  # the same text when there is nothing to resolve
    if "${" in config_yaml:
        try:
            resolved_yaml = OmegaConf.to_yaml(task_config, resolve=True)
        except Exception:  # noqa: BLE001 - an unresolvable config is recorded unresolved only
            resolved_yaml = None
    choices_node = runtime._get_node("choices")
    choices = OmegaConf.to_container(choices_node) if choices_node is not None else None
    origins = origins_of(config)
    ready = origins is not None and (origins.computed or not in_sweep)
    table = origins_table(origins) if ready else None
    recorder = RunRecorder.start(
        output_dir,
        config_flat=_served_flat(config, config_yaml) if resolved_yaml is config_yaml else None,
        sweep_dir=str(select_resolved(config, "hydra.sweep.dir")) if in_sweep else None,
        job_num=int(child(child(hydra, "job"), "num")) if in_sweep else None,
        overrides=overrides,
        choices={str(k): v for k, v in choices.items()} if isinstance(choices, dict) else None,
        config_yaml=config_yaml,
        resolved_yaml=resolved_yaml,
        origins=table,
        command_line=sys.argv,
        app_dir=str(launch_dir),
        index_path=_index_path(str(launch_dir)),
    )
    return Recording(recorder, None if ready else origins)


def _served_flat(config: Any, config_yaml: str) -> dict[str, Any] | None:
    """The record's flattened config, kept with the composition cache's entry when the config
    came through it (parsing a large config's YAML again costs ~10 ms); None otherwise, for the
    recorder to make."""
    from runlab.runtime.composition_cache import derived, derived_value

    if derived(config, "config flat") is None:
        return None
    from runlab.tracking.recorder import flatten_config

    return derived_value(config, "config flat", lambda: flatten_config(config_yaml))


def finish_recording(
    handle: Any, *, status: str, return_value: Any = None, error: BaseException | None = None
) -> None:
    """Close the run record started by ``start_recording`` with the job's outcome."""
    if handle is None:
        return
    origins = origins_table(handle.pending_origins)
    handle.recorder.finish(status.lower(), return_value=return_value, error=error, origins=origins)
