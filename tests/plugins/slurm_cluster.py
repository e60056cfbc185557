"""A real single-node Slurm (Debian's slurm-wlm, munge, slurmdbd on MariaDB) for the Slurm tests.

Everything lives under one temporary directory (configs, state, logs, private ports), so the
cluster is the test's own.  Accounting (slurmdbd) is part of it because submitit reads job states
with ``sacct``: without it a job that Slurm killed would never be seen to end.  Daemons this module
started are stopped by their pid; a munged or MariaDB that was already running is used and left alone.

Install (Debian 12, as root): ``apt-get install -y slurm-wlm slurmdbd munge mariadb-server``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

INSTALL_HINT = "apt-get install -y slurm-wlm slurmdbd munge mariadb-server"
BINARIES = ("slurmctld", "slurmd", "slurmdbd", "munged", "mysqld_safe", "sbatch", "sacct")

SLURM_CONF = """\
ClusterName=runlabtest
SlurmctldHost={host}(127.0.0.1)
AuthType=auth/munge
SlurmUser=root
SlurmdUser=root
SlurmctldPort={port}
SlurmdPort={port_d}
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/slurmctld.pid
SlurmdPidFile={root}/slurmd.pid
SlurmctldLogFile={root}/log/slurmctld.log
SlurmdLogFile={root}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort={port_dbd}
JobCompType=jobcomp/none
KillWait=2
MinJobAge=30
NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory=2000 State=UNKNOWN
PartitionName=debug Nodes={host} Default=YES MaxTime=INFINITE State=UP
"""

SLURMDBD_CONF = """\
AuthType=auth/munge
DbdHost=localhost
DbdPort={port_dbd}
SlurmUser=root
PidFile={root}/slurmdbd.pid
LogFile={root}/log/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=slurm
StoragePass=runlabtest
StorageLoc=slurm_acct_db_runlab
"""


def missing() -> list[str]:
    """The programs this cluster needs that are not installed."""
    return [
        name
        for name in BINARIES
        if shutil.which(name) is None and not Path(f"/usr/sbin/{name}").exists()
    ]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(check: object, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise RuntimeError(f"Slurm test cluster: {what} did not come up within {timeout:.0f}s")
        time.sleep(0.3)


def _ok(*command: str, env: dict[str, str] | None = None) -> bool:
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    return done.returncode == 0


def _pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


@contextmanager
def slurm_cluster(root: Path) -> Iterator[dict[str, str]]:
    """Start the cluster under ``root``; yields the environment (``SLURM_CONF``) to reach it."""
    for sub in ("state", "spool", "log"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    ports = {"port": _free_port(), "port_d": _free_port(), "port_dbd": _free_port()}
    host = socket.gethostname().split(".")[0]
    values = {"root": root, "host": host, "cpus": os.cpu_count() or 2, **ports}
    conf = root / "slurm.conf"
    conf.write_text(SLURM_CONF.format(**values))
    (root / "slurmdbd.conf").write_text(SLURMDBD_CONF.format(**values))
    os.chmod(root / "slurmdbd.conf", 0o600)
    env = {**os.environ, "SLURM_CONF": str(conf)}
    started: list[int] = []
    try:
        if not _ok("pgrep", "-x", "munged"):
            Path("/run/munge").mkdir(parents=True, exist_ok=True)
            shutil.chown("/run/munge", "munge", "munge")
            subprocess.run(["su", "-s", "/bin/sh", "munge", "-c", "/usr/sbin/munged"], check=True)
            _wait(lambda: _pid(Path("/run/munge/munged.pid")) is not None, "munged")
            started.append(_pid(Path("/run/munge/munged.pid")) or 0)
        if not _ok("mysqladmin", "ping"):
            Path("/run/mysqld").mkdir(parents=True, exist_ok=True)
            shutil.chown("/run/mysqld", "mysql", "mysql")
            # through a shell that backgrounds it: no Popen object of ours outlives the start
            log = root / "log" / "mysqld.log"
            subprocess.run(
                ["sh", "-c", f"setsid mysqld_safe --user=mysql > '{log}' 2>&1 &"], check=True
            )
            _wait(lambda: _ok("mysqladmin", "ping"), "MariaDB")
            started.append(_pid(Path("/run/mysqld/mysqld.pid")) or 0)
        subprocess.run(
            [
                "mysql", "-u", "root", "-e",
                (
                    "CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY 'runlabtest';"
                    " ALTER USER 'slurm'@'localhost' IDENTIFIED BY 'runlabtest';"
                    " GRANT ALL ON slurm_acct_db_runlab.* TO 'slurm'@'localhost'; FLUSH PRIVILEGES;"
                ),
            ],
            check=True,
        )  # fmt: skip
        subprocess.run(["/usr/sbin/slurmdbd"], env=env, check=True)
        _wait(lambda: _pid(root / "slurmdbd.pid") is not None, "slurmdbd")
        started.append(_pid(root / "slurmdbd.pid") or 0)
        _wait(lambda: _ok("sacctmgr", "-i", "add", "cluster", "runlabtest", env=env)
              or _ok("sacctmgr", "-n", "show", "cluster", "runlabtest", env=env), "slurmdbd accounting")  # fmt: skip
        subprocess.run(["/usr/sbin/slurmctld"], env=env, check=True)
        _wait(lambda: _pid(root / "slurmctld.pid") is not None, "slurmctld")
        started.append(_pid(root / "slurmctld.pid") or 0)
        subprocess.run(["/usr/sbin/slurmd"], env=env, check=True)
        _wait(lambda: _pid(root / "slurmd.pid") is not None, "slurmd")
        started.append(_pid(root / "slurmd.pid") or 0)

        def idle() -> bool:
            done = subprocess.run(
                ["sinfo", "-h", "-o", "%t"], env=env, capture_output=True, text=True, check=False
            )
            return done.stdout.strip() in ("idle", "mix", "alloc")

        _wait(idle, "the node")
        yield {"SLURM_CONF": str(conf)}
    finally:
        subprocess.run(["scancel", "--user=root"], env=env, capture_output=True, check=False)
        for pid in reversed(started):
            if pid:
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        time.sleep(0.5)
