"""The apps the differential scenarios run: each is a table of relative path -> file text.

The scripts are plain Hydra apps (``import hydra``) so the very same files run under hydra-core and, through the
test shim, under runlab.  Keeping them as text here (instead of a checked-in tree) lets one glance show what a
scenario runs, and lets each test materialise a fresh copy in its own tmp dir.

Apps:
* ``main``: the Hydra tutorial tree (db/schema groups) plus one primary config per defaults-list situation, and
  several scripts over the same tree (print the config, print runtime facts, log, fail, interpolate).
* ``noconf``: no ``config_path`` at all (the empty config).
* ``dotapp``: ``config_path="."`` with the config next to the script.
* ``structured``: ConfigStore schemas (typed fields, schema extension from YAML).
* ``pkgapp``: ``config_path="pkg://..."`` (configs inside an importable package).
* ``plugapp``: a ``SearchPathPlugin`` in ``hydra_plugins/`` next to the script (so on ``sys.path``) adding a
  package and a directory to the search path; nested groups for completion.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path


def _d(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


_PRINT_APP = _d(
    """
    import logging

    import hydra
    from omegaconf import DictConfig, OmegaConf

    log = logging.getLogger(__name__)


    @hydra.main(version_base=None, config_path="conf", config_name="config")
    def my_app(cfg: DictConfig) -> None:
        print(OmegaConf.to_yaml(cfg))
        log.info("Info level message")
        log.debug("Debug level message")


    if __name__ == "__main__":
        my_app()
    """
)

_RUNTIME_APP = _d(
    """
    import os

    import hydra
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode
    from hydra.utils import get_original_cwd, to_absolute_path
    from omegaconf import DictConfig, OmegaConf


    @hydra.main(version_base=None, config_path="conf", config_name="config")
    def runtime_app(cfg: DictConfig) -> None:
        hc = HydraConfig.get()
        print(f"job.name={hc.job.name}")
        print(f"job.config_name={hc.job.config_name}")
        print(f"mode={hc.mode}")
        print(f"multirun={hc.mode == RunMode.MULTIRUN}")
        if hc.mode == RunMode.MULTIRUN:
            print(f"job.num={hc.job.num} job.id={hc.job.id}")
        print(f"override_dirname={hc.job.override_dirname}")
        print(f"output_dir={hc.runtime.output_dir}")
        print(f"cwd={os.getcwd()}")
        print(f"original_cwd={get_original_cwd()}")
        print(f"absolute={to_absolute_path('data.csv')}")
        print(f"choices={OmegaConf.to_container(hc.runtime.choices)}")
        print(f"task_overrides={list(hc.overrides.task)}")
        print(f"MY_VAR={os.environ.get('MY_VAR')}")
        print(f"MY_COPY={os.environ.get('MY_COPY')}")
        print(f"chdir={hc.job.chdir}")


    if __name__ == "__main__":
        runtime_app()
    """
)

_LOG_APP = _d(
    """
    import logging

    import hydra
    from omegaconf import DictConfig

    log = logging.getLogger(__name__)
    other = logging.getLogger("other.mod")


    @hydra.main(version_base=None, config_path="conf", config_name="config")
    def log_app(cfg: DictConfig) -> None:
        log.info("Info level message")
        log.debug("Debug level message")
        log.warning("Warning level message")
        other.info("Other info message")
        other.debug("Other debug message")
        print("printed, not logged")


    if __name__ == "__main__":
        log_app()
    """
)

_FAIL_APP = _d(
    """
    import sys

    import hydra
    from omegaconf import DictConfig


    def helper(x):
        raise ValueError(f"bad {x}")


    @hydra.main(version_base=None, config_path=None)
    def fail_app(cfg: DictConfig) -> None:
        if "code" in cfg:
            sys.exit(cfg.code)
        if cfg.get("x", 1) == "ok":
            print("job ok")
            return
        helper(cfg.get("x", 1))


    if __name__ == "__main__":
        fail_app()
    """
)

_INTERP_APP = _d(
    """
    import hydra
    from omegaconf import DictConfig, OmegaConf


    @hydra.main(version_base=None, config_path="conf", config_name="interp")
    def interp_app(cfg: DictConfig) -> None:
        assert cfg.node.loompa == 10
        assert cfg["node"]["loompa"] == 10
        assert cfg.node.zippity == 10
        assert isinstance(cfg.node.zippity, int)
        assert cfg.node.do == "oompa 10"
        print(f"job_name={cfg.job_name}")
        print(f"db_choice={cfg.db_choice}")
        print(f"out={cfg.out}")
        print(f"py_major={cfg.py}")
        if cfg.get("touch_waldo", False):
            cfg.node.waldo


    if __name__ == "__main__":
        interp_app()
    """
)

_SLASH_APP = _d(
    """
    import hydra
    from omegaconf import DictConfig, OmegaConf


    @hydra.main(version_base=None, config_path="conf", config_name="dataset/cifar10")
    def slash_app(cfg: DictConfig) -> None:
        print(OmegaConf.to_yaml(cfg))


    if __name__ == "__main__":
        slash_app()
    """
)

_NOCONF_APP = _d(
    """
    import hydra
    from omegaconf import DictConfig, OmegaConf


    @hydra.main(version_base=None)
    def noconf_app(cfg: DictConfig) -> None:
        print(OmegaConf.to_yaml(cfg))


    if __name__ == "__main__":
        noconf_app()
    """
)

_YAML_PATH_APP = _d(
    """
    import hydra


    @hydra.main(version_base=None, config_path="conf/config.yaml")
    def yaml_path_app(cfg) -> None:
        print(cfg)


    if __name__ == "__main__":
        yaml_path_app()
    """
)

_MAIN_CONF: dict[str, str] = {
    "conf/config.yaml": _d(
        """
        defaults:
          - db: mysql
          - _self_

        app:
          name: demo
          lr: 0.1
        """
    ),
    "conf/alt.yaml": _d(
        """
        defaults:
          - db: postgresql
          - _self_

        alt: true
        """
    ),
    "conf/self_first.yaml": _d(
        """
        defaults:
          - _self_
          - db: mysql

        db:
          user: root
        """
    ),
    "conf/self_last.yaml": _d(
        """
        defaults:
          - db: mysql
          - _self_

        db:
          user: root
        """
    ),
    "conf/selfless.yaml": _d(
        """
        defaults:
          - db: mysql

        db:
          user: root
        """
    ),
    "conf/mandatory.yaml": _d(
        """
        defaults:
          - db: ???
          - _self_

        top: 1
        """
    ),
    "conf/optional.yaml": _d(
        """
        defaults:
          - db: mysql
          - optional extra: nothing_here
          - _self_
        """
    ),
    "conf/o2.yaml": _d(
        """
        defaults:
          - override db: postgresql
          - db: mysql
        """
    ),
    "conf/sp.yaml": _d(
        """
        defaults:
          - sub
          - _self_

        x: 1
        """
    ),
    "conf/sub.yaml": _d(
        """
        hydra:
          searchpath:
            - pkg://nowhere
        """
    ),
    "conf/sweep.yaml": _d(
        """
        defaults:
          - db: mysql
          - schema: school
          - _self_

        hydra:
          sweeper:
            params:
              db: mysql,postgresql
              schema: warehouse,support,school
        """
    ),
    "conf/mr_mode.yaml": _d(
        """
        defaults:
          - db: mysql
          - _self_

        hydra:
          mode: MULTIRUN
          sweeper:
            params:
              +x: 1,2
        """
    ),
    "conf/interp.yaml": _d(
        """
        defaults:
          - db: mysql
          - _self_

        node:
          loompa: 10
          zippity: ${node.loompa}
          do: "oompa ${node.loompa}"
          waldo: ???
        job_name: ${hydra:job.name}
        db_choice: ${hydra:runtime.choices.db}
        out: ${hydra:runtime.output_dir}
        py: ${python_version:major}
        """
    ),
    "conf/custom_logging.yaml": _d(
        """
        defaults:
          - override hydra/job_logging: custom
          - _self_

        x: 1
        """
    ),
    "conf/hydra/job_logging/custom.yaml": _d(
        """
        version: 1
        formatters:
          brief:
            format: "CUSTOM %(levelname)s %(name)s: %(message)s"
        handlers:
          console:
            class: logging.StreamHandler
            formatter: brief
            stream: ext://sys.stdout
        root:
          level: WARNING
          handlers: [console]
        disable_existing_loggers: false
        """
    ),
    "conf/custom_help.yaml": _d(
        """
        defaults:
          - db: mysql
          - override hydra/help: custom
          - _self_
        """
    ),
    "conf/hydra/help/custom.yaml": _d(
        """
        app_name: MyApp
        header: == ${hydra.help.app_name} ==
        footer: bye from ${hydra.help.app_name}
        template: |-
          ${hydra.help.header}
          Groups:
          $APP_CONFIG_GROUPS
          Config:
          $CONFIG
          Cost: $$5
          ${hydra.help.footer}
        """
    ),
    "conf/env.yaml": _d(
        """
        hydra:
          job:
            env_set:
              MY_VAR: from_env_set
            env_copy:
              - MY_COPY
        """
    ),
    "conf/run_dir.yaml": _d(
        """
        app:
          name: patterned
        hydra:
          run:
            dir: runs/${app.name}/${hydra.job.name}
          sweep:
            dir: sweeps/${app.name}
            subdir: ${hydra.job.num}_${hydra.job.id}
        """
    ),
    "conf/withsp.yaml": _d(
        """
        defaults:
          - db: mysql
          - _self_

        hydra:
          searchpath:
            - file://extra_conf
        """
    ),
    "conf/db/mysql.yaml": "driver: mysql\nuser: omry\npassword: secret\n",
    "conf/db/postgresql.yaml": "driver: postgresql\nuser: postgres_user\npassword: drowssap\ntimeout: 10\n",
    "conf/schema/school.yaml": "database: school\n",
    "conf/schema/support.yaml": "database: support\n",
    "conf/schema/warehouse.yaml": "database: warehouse\n",
    "conf/experiment/fast.yaml": _d(
        """
        # @package _global_
        defaults:
          - override /db: postgresql

        app:
          lr: 0.5
        db:
          timeout: 1
        """
    ),
    "conf/dataset/cifar10.yaml": "name: cifar10\nsize: 32\n",
    "extra_conf/schema/extra.yaml": "database: extra\n",
    "extra_conf/config.yaml": "from_extra_dir: true\n",
    "conf2/config.yaml": "from_conf2: true\n",
}

_STRUCTURED_APP = _d(
    """
    from dataclasses import dataclass, field
    from typing import Any, List

    import hydra
    from hydra.core.config_store import ConfigStore
    from omegaconf import MISSING, DictConfig, OmegaConf


    @dataclass
    class MySQLConfig:
        driver: str = "mysql"
        host: str = "localhost"
        port: int = 3306


    @dataclass
    class PostgreSQLConfig:
        driver: str = "postgresql"
        host: str = "localhost"
        port: int = 5432
        timeout: int = 10


    @dataclass
    class Config:
        defaults: List[Any] = field(default_factory=lambda: [{"db": "mysql"}, "_self_"])
        db: Any = MISSING
        debug: bool = False


    cs = ConfigStore.instance()
    cs.store(name="config", node=Config)
    cs.store(group="db", name="mysql", node=MySQLConfig)
    cs.store(group="db", name="postgresql", node=PostgreSQLConfig)
    cs.store(group="db", name="base_mysql", node=MySQLConfig)


    @hydra.main(version_base=None, config_path="conf", config_name="config")
    def structured_app(cfg: DictConfig) -> None:
        print(OmegaConf.to_yaml(cfg))
        print(f"port type={type(cfg.db.port).__name__}")


    if __name__ == "__main__":
        structured_app()
    """
)

_PKG_APP = _d(
    """
    import hydra
    from omegaconf import DictConfig, OmegaConf


    @hydra.main(version_base=None, config_path="pkg://mypkg.conf", config_name="config")
    def pkg_app(cfg: DictConfig) -> None:
        print(OmegaConf.to_yaml(cfg))


    if __name__ == "__main__":
        pkg_app()
    """
)

_DOT_APP = _d(
    """
    import hydra
    from omegaconf import DictConfig, OmegaConf


    @hydra.main(version_base=None, config_path=".", config_name="config")
    def my_app(cfg: DictConfig) -> None:
        print(OmegaConf.to_yaml(cfg))


    if __name__ == "__main__":
        my_app()
    """
)

_PLUGIN = _d(
    """
    from hydra.core.config_search_path import ConfigSearchPath, SearchPathQuery
    from hydra.plugins.search_path_plugin import SearchPathPlugin


    class MyLibSearchPath(SearchPathPlugin):
        def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
            search_path.append(provider="my-lib", path="pkg://my_lib.conf")
            search_path.prepend(
                "plugin-dir", "file://plugin_conf", anchor=SearchPathQuery(provider="main")
            )
    """
)

_COMPOSE_API_APP = _d(
    """
    from hydra import compose, initialize
    from omegaconf import OmegaConf

    with initialize(version_base=None, config_path="conf"):
        cfg = compose(
            config_name="config",
            overrides=["db=sqlite", "+schema=school"],
            return_hydra_config=True,
        )
        print(OmegaConf.to_yaml(cfg.hydra.runtime.config_sources))
        print(OmegaConf.to_yaml({"db": cfg.db, "schema": cfg.schema}))
    """
)

APPS: Mapping[str, Mapping[str, str]] = {
    "main": {
        "my_app.py": _PRINT_APP,
        "runtime_app.py": _RUNTIME_APP,
        "log_app.py": _LOG_APP,
        "fail_app.py": _FAIL_APP,
        "interp_app.py": _INTERP_APP,
        "slash_app.py": _SLASH_APP,
        "noconf_app.py": _NOCONF_APP,
        "yaml_path_app.py": _YAML_PATH_APP,
        **_MAIN_CONF,
    },
    "dotapp": {
        "my_app.py": _DOT_APP,
        "config.yaml": "db:\n  driver: mysql\n  user: omry\n  password: secret\n",
    },
    "structured": {
        "structured_app.py": _STRUCTURED_APP,
        "conf/db/bad.yaml": "defaults:\n  - base_mysql\n  - _self_\n\nbogus: 1\n",
        "conf/db/fast_mysql.yaml": "defaults:\n  - base_mysql\n  - _self_\n\nport: 3307\n",
    },
    "plugapp": {
        "my_app.py": _PRINT_APP,
        "compose_app.py": _COMPOSE_API_APP,
        "conf/config.yaml": "defaults:\n  - db: mysql\n  - _self_\n\napp: 1\n",
        "conf/db/mysql.yaml": "driver: mysql\n",
        "conf/model/encoder/small.yaml": "width: 8\n",
        "conf/model/encoder/large.yaml": "width: 64\n",
        "conf/server/apache.yaml": "port: 80\n",
        "conf/server/site/blog.yaml": "path: /blog\n",
        "hydra_plugins/my_plugin/__init__.py": _PLUGIN,
        "hydra_plugins/_private.py": "raise RuntimeError('modules starting with _ are skipped')\n",
        "my_lib/__init__.py": "",
        "my_lib/conf/__init__.py": "",
        "my_lib/conf/db/sqlite.yaml": "driver: sqlite\nfrom_plugin: true\n",
        "my_lib/conf/hydra/sweeper/sampler/tpe.yaml": "# @package hydra.sweeper.sampler\nname: tpe\n",
        "plugin_conf/schema/school.yaml": "database: school\n",
    },
    "pkgapp": {
        "pkg_app.py": _PKG_APP,
        "mypkg/__init__.py": "",
        "mypkg/conf/__init__.py": "",
        "mypkg/conf/config.yaml": "defaults:\n  - db: sqlite\n  - _self_\n\nfrom_package: true\n",
        "mypkg/conf/db/sqlite.yaml": "driver: sqlite\nfile: app.db\n",
    },
}


def materialize(app: str, root: Path) -> frozenset[str]:
    """Write ``app``'s files under ``root``; returns their relative paths (the files the run did not create)."""
    for rel, text in APPS[app].items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return frozenset(APPS[app])
