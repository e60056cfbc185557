"""Logging from the ``hydra.hydra_logging`` / ``hydra.job_logging`` settings, and the JSON-lines job log.

Semantics follow Hydra (spec §9): the node is resolved, a ``null`` node installs a basic stdout handler,
a node whose ``root`` is null leaves logging alone, and ``hydra.verbose`` raises levels to DEBUG after
each configuration.

Start-up speed: ``logging.config`` pulls in ``logging.handlers``, sockets and queues (~14 ms, more than
everything else a trivial run needs).  The built-in options only use plain formatters and
Stream/File handlers, so ``_apply_simple`` applies that subset itself with ``dictConfig``'s exact
semantics (close all existing handlers, reset configured loggers, disable or keep the others) and
anything beyond it goes to the real ``logging.config.dictConfig``.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

__all__ = [
    "JSON_LOG_NAME",
    "JsonLinesHandler",
    "apply_logging_config",
    "attach_json_log",
    "configure_log",
    "copy_settings",
    "detach_json_log",
    "flush_all_handlers",
    "job_logging_settings",
    "logging_settings",
]

JSON_LOG_NAME = os.path.join(".runlab", "log.jsonl")
_BASIC_FORMAT = "[%(asctime)s][%(name)s][%(levelname)s] - %(message)s"
_SIMPLE_HANDLER_CLASSES = {"logging.StreamHandler", "logging.FileHandler"}
_SIMPLE_HANDLER_KEYS = {
    "class",
    "formatter",
    "level",
    "stream",
    "filename",
    "mode",
    "encoding",
    "delay",
}
_SIMPLE_LOGGER_KEYS = {"level", "handlers", "propagate"}
_SIMPLE_TOP_KEYS = {
    "version",
    "formatters",
    "handlers",
    "root",
    "loggers",
    "disable_existing_loggers",
}


def configure_log(log_config: Any, verbose: Any = False, *, setting: str | None = None) -> None:
    """Configure Python logging from a ``hydra.*_logging`` node (Hydra's ``configure_log``).

    ``log_config`` may be a DictConfig, a plain mapping or None; ``verbose`` is ``hydra.verbose``:
    ``True`` (root at DEBUG), a logger name, or a list of logger names.  ``setting`` names the node
    (``hydra.job_logging``...) in the error a configuration ``logging`` refuses.
    """
    if log_config is not None:
        settings = _to_plain(log_config)
        if settings.get("root") is not None:
            try:
                apply_logging_config(settings)
            except (ValueError, TypeError, AttributeError, ImportError) as error:
                if setting is None:
                    raise
                from runlab.errors import UsageError

                raise UsageError(f"Cannot configure logging from {setting}: {error}") from error
    else:
        _basic_stdout_logging()
    _apply_verbose(verbose)


def _to_plain(log_config: Any) -> dict[str, Any]:
    from omegaconf import DictConfig

    if isinstance(log_config, DictConfig):
        from runlab.config.interpolation import resolve_container

        plain = resolve_container(log_config)
        assert isinstance(plain, dict)
        return {str(key): value for key, value in plain.items()}
    return dict(log_config)


def job_logging_settings(config: Any) -> dict[str, Any] | None:
    """The job's ``hydra.job_logging`` as plain, resolved settings; None when the node is null."""
    return logging_settings(config, "job_logging")


def logging_settings(config: Any, name: str) -> dict[str, Any] | None:
    """``hydra.<name>`` (``job_logging``, ``hydra_logging``) as plain, resolved settings; None
    when the node is null.

    Jobs copied from one sweep template (see :mod:`runlab.runtime.templates`), and the starts
    of a plain run served by the composition cache, share the node unresolved, so its conversion
    is kept per template and only the values that interpolate -- the log file's name -- are
    resolved again for each job.
    """
    from runlab.config._node_values import child
    from runlab.config.interpolation import resolve_leaf
    from runlab.runtime.templates import template_cache

    node = child(child(config, "hydra"), name)
    shared = template_cache(config, name)
    if node is None or shared is None or not _is_plain_dict(node):
        return None if node is None else _to_plain(node)
    cached = shared.get("unresolved")
    if cached is None:
        from omegaconf import OmegaConf

        converted = OmegaConf.to_container(node, resolve=False)
        assert isinstance(converted, dict)
        raw = {str(key): value for key, value in converted.items()}
        cached = shared["unresolved"] = (raw, list(_interpolated(raw, ())))
    raw, paths = cached
    settings = copy_settings(raw)
    for path in paths:
        parent: Any = settings
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = resolve_leaf(node, path)
    return settings  # type: ignore[no-any-return]


def copy_settings(value: Any) -> Any:
    """A copy of plain logging settings (``dictConfig`` may rewrite the mapping it is given): dicts
    and lists copied, everything else shared, ~10x cheaper than ``copy.deepcopy``."""
    if isinstance(value, dict):
        return {key: copy_settings(child) for key, child in value.items()}
    if isinstance(value, list):
        return [copy_settings(child) for child in value]
    return value


def _is_plain_dict(node: Any) -> bool:
    from omegaconf import DictConfig

    return isinstance(node, DictConfig) and isinstance(node.__dict__.get("_content"), dict)


def _interpolated(value: Any, path: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
    """Paths of the strings in ``value`` that interpolate (containers given as one are included)."""
    if isinstance(value, str):
        if "${" in value:
            yield path
    elif isinstance(value, dict):
        for key, child in value.items():
            yield from _interpolated(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _interpolated(child, (*path, index))


def _check_policy(settings: Mapping[str, Any]) -> None:
    """Hand the logging dict to the target policy when the config layer provides one."""
    try:
        from runlab.config.targets import check_logging_config
    except ImportError:
        return
    check_logging_config(settings)


def _basic_stdout_logging() -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter(_BASIC_FORMAT))
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def _apply_verbose(verbose: Any) -> None:
    if verbose is None or verbose is False:
        return
    if verbose is True:
        logging.getLogger().setLevel(logging.DEBUG)
        return
    names = [verbose] if isinstance(verbose, str) else list(verbose)
    for name in names:
        logging.getLogger(str(name)).setLevel(logging.DEBUG)


def apply_logging_config(settings: Mapping[str, Any]) -> None:
    """``logging.config.dictConfig``, avoiding its import for the plain configurations runlab ships."""
    if _is_simple(settings):
        # Only built-in handler classes and plain formatters: nothing the target policy could refuse.
        _apply_simple(settings)
        return
    _check_policy(settings)
    import logging.config

    logging.config.dictConfig(dict(settings))


def _is_simple(settings: Mapping[str, Any]) -> bool:
    if settings.get("version") != 1 or set(settings) - _SIMPLE_TOP_KEYS:
        return False
    for formatter in (settings.get("formatters") or {}).values():
        if not isinstance(formatter, Mapping) or set(formatter) - {"format", "datefmt"}:
            return False
    for handler in (settings.get("handlers") or {}).values():
        if not isinstance(handler, Mapping) or set(handler) - _SIMPLE_HANDLER_KEYS:
            return False
        if handler.get("class") not in _SIMPLE_HANDLER_CLASSES:
            return False
        stream = handler.get("stream")
        if stream is not None and stream not in ("ext://sys.stdout", "ext://sys.stderr"):
            return False
    loggers = dict(settings.get("loggers") or {})
    root = settings.get("root")
    if root is not None:
        loggers[""] = root
    return all(
        isinstance(cfg, Mapping) and not set(cfg) - _SIMPLE_LOGGER_KEYS for cfg in loggers.values()
    )


def _apply_simple(settings: Mapping[str, Any]) -> None:
    """The subset of ``dictConfig`` used by plain configs, with the same side effects."""
    formatters = {
        name: logging.Formatter(cfg.get("format"), cfg.get("datefmt"))
        for name, cfg in (settings.get("formatters") or {}).items()
    }
    # logging's module lock (``_lock`` on every supported Python; ``_acquireLock`` is gone in 3.13).
    with logging._lock:  # type: ignore[attr-defined]
        # dictConfig closes every handler it ever created, not only the root's.
        logging._handlers.clear()  # type: ignore[attr-defined]
        logging.shutdown(logging._handlerList[:])  # type: ignore[attr-defined]
        del logging._handlerList[:]  # type: ignore[attr-defined]
        handlers: dict[str, logging.Handler] = {}
        try:
            for name, cfg in sorted((settings.get("handlers") or {}).items()):
                handlers[name] = _make_handler(name, cfg, formatters)
            _configure_loggers(settings, handlers)
        except Exception:
            for handler in handlers.values():  # a refused config leaves no open log file behind
                handler.close()
            raise


def _make_handler(
    name: str, cfg: Mapping[str, Any], formatters: Mapping[str, logging.Formatter]
) -> logging.Handler:
    handler: logging.Handler
    if cfg["class"] == "logging.FileHandler":
        handler = logging.FileHandler(
            cfg["filename"],
            mode=cfg.get("mode", "a"),
            encoding=cfg.get("encoding"),
            delay=bool(cfg.get("delay", False)),
        )
    else:
        stream = sys.stderr if cfg.get("stream") == "ext://sys.stderr" else None
        if cfg.get("stream") == "ext://sys.stdout":
            stream = sys.stdout
        handler = logging.StreamHandler(stream)
    formatter_name = cfg.get("formatter")
    if formatter_name:
        if formatter_name not in formatters:
            raise ValueError(
                f"Unable to configure handler {name!r}: unknown formatter {formatter_name!r}"
            )
        handler.setFormatter(formatters[formatter_name])
    if cfg.get("level") is not None:
        handler.setLevel(_level(cfg["level"]))
    handler.name = name
    return handler


def _level(value: Any) -> int:
    return logging._checkLevel(value)  # type: ignore[attr-defined,no-any-return]


def _configure_one(
    logger: logging.Logger, cfg: Mapping[str, Any], handlers: Mapping[str, logging.Handler]
) -> None:
    if cfg.get("level") is not None:
        logger.setLevel(_level(cfg["level"]))
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    for handler_name in cfg.get("handlers") or ():
        if handler_name not in handlers:
            raise ValueError(f"Unable to add handler {handler_name!r}")
        logger.addHandler(handlers[handler_name])


def _configure_loggers(
    settings: Mapping[str, Any], handlers: Mapping[str, logging.Handler]
) -> None:
    manager = logging.root.manager
    existing = sorted(manager.loggerDict)
    children: set[str] = set()
    loggers = settings.get("loggers") or {}
    for name, cfg in loggers.items():
        if name in existing:
            prefix = name + "."
            children.update(other for other in existing if other.startswith(prefix))
            existing.remove(name)
        logger = logging.getLogger(name)
        _configure_one(logger, cfg, handlers)
        logger.disabled = False
        if cfg.get("propagate") is not None:
            logger.propagate = bool(cfg["propagate"])
    disable_existing = settings.get("disable_existing_loggers", True)
    for name in existing:
        logger_or_placeholder = manager.loggerDict[name]
        if not isinstance(logger_or_placeholder, logging.Logger):
            continue
        if name in children:
            logger_or_placeholder.setLevel(logging.NOTSET)
            logger_or_placeholder.handlers = []
            logger_or_placeholder.propagate = True
        else:
            logger_or_placeholder.disabled = bool(disable_existing)
    root = settings.get("root")
    if root:
        _configure_one(logging.getLogger(), root, handlers)


def flush_all_handlers() -> None:
    """Flush every live handler (Hydra flushes before ``on_job_end`` so callbacks see complete logs)."""
    for ref in list(logging._handlerList):  # type: ignore[attr-defined]
        handler = ref()
        if handler is not None:
            try:
                handler.flush()
            except Exception:  # noqa: BLE001, S110 - a broken handler must not fail the job
                pass


class JsonLinesHandler(logging.Handler):
    """Writes each record of a job as one JSON object: ``{time, level, logger, message, exception}``.

    The tracker and dashboard read these lines; the file is opened lazily so a job that logs nothing
    still gets no empty file, and appended to like Hydra's text log.
    """

    def __init__(self, path: str) -> None:
        super().__init__(level=logging.NOTSET)
        self.path = path
        self._stream: Any = None

    def emit(self, record: logging.LogRecord) -> None:
        try:
            import json

            exception = None
            if record.exc_info:
                exception = logging.Formatter().formatException(record.exc_info)
            line = json.dumps(
                {
                    "time": record.created,
                    "level": record.levelname,
                    "logger": record.name,
                    "message": record.getMessage(),
                    "exception": exception,
                },
                ensure_ascii=False,
                default=str,
            )
            if self._stream is None:
                os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
                self._stream = open(self.path, "a", encoding="utf-8")  # noqa: SIM115
            self._stream.write(line + "\n")
            self._stream.flush()
        except Exception:  # noqa: BLE001 - logging must never break the task
            self.handleError(record)

    def close(self) -> None:
        self.acquire()
        try:
            if self._stream is not None:
                self._stream.close()
                self._stream = None
        finally:
            self.release()
        super().close()


def attach_json_log(output_dir: str) -> JsonLinesHandler:
    """Add the JSON-lines handler for one job to the root logger; return it for ``detach_json_log``."""
    handler = JsonLinesHandler(os.path.join(output_dir, JSON_LOG_NAME))
    logging.getLogger().addHandler(handler)
    return handler


def detach_json_log(handler: JsonLinesHandler) -> None:
    logging.getLogger().removeHandler(handler)
    handler.close()


def loggers_at_debug(verbose: Any) -> Sequence[str]:
    """Names that ``hydra.verbose`` puts at DEBUG (``[""]`` stands for the root logger)."""
    if verbose is True:
        return [""]
    if not verbose:
        return []
    return [verbose] if isinstance(verbose, str) else [str(name) for name in verbose]
