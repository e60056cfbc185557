"""hydra.callbacks: instantiation in config order, reverse order for end events, failures as warnings."""

from __future__ import annotations

from typing import Any

import pytest
from omegaconf import OmegaConf

from runlab.experimental.callback import Callback
from runlab.runtime.callbacks import Callbacks, load_callbacks

EVENTS: list[str] = []


class Named(Callback):
    def __init__(self, name: str) -> None:
        self.name = name

    def on_run_start(self, config: Any, **kwargs: Any) -> None:
        EVENTS.append(f"{self.name}.run_start:{kwargs['config_name']}")

    def on_run_end(self, config: Any, **kwargs: Any) -> None:
        EVENTS.append(f"{self.name}.run_end")


class Broken(Callback):
    def on_multirun_start(self, config: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")


def test_load_in_config_order_and_end_events_reversed() -> None:
    EVENTS.clear()
    config = OmegaConf.create(
        {
            "hydra": {
                "callbacks": {
                    "first": {"_target_": f"{__name__}.Named", "name": "a"},
                    "second": {"_target_": f"{__name__}.Named", "name": "b"},
                }
            }
        }
    )
    callbacks = load_callbacks(config)
    callbacks.on_run_start(config=config, config_name="cfg")
    callbacks.on_run_end(config=config, config_name="cfg")
    assert EVENTS == ["a.run_start:cfg", "b.run_start:cfg", "b.run_end", "a.run_end"]


def test_no_callbacks_configured() -> None:
    assert not load_callbacks(OmegaConf.create({"hydra": {"callbacks": {}}}))
    assert not load_callbacks(OmegaConf.create({"hydra": {}}))


def test_a_failing_hook_becomes_a_warning_and_others_still_run() -> None:
    EVENTS.clear()

    class After(Callback):
        def on_multirun_start(self, config: Any, **kwargs: Any) -> None:
            EVENTS.append("after")

    callbacks = Callbacks([Broken(), After()])
    with pytest.warns(
        UserWarning, match=r"^Callback Broken.on_multirun_start raised RuntimeError: boom$"
    ):
        callbacks.on_multirun_start(config=None, config_name=None)
    assert EVENTS == ["after"]


def test_base_class_hooks_are_no_ops() -> None:
    callback = Callback()
    for hook in ("on_run_start", "on_run_end", "on_multirun_start", "on_multirun_end"):
        assert getattr(callback, hook)(None) is None
    assert callback.on_job_start(None, task_function=print) is None
    assert callback.on_job_end(None, None) is None
