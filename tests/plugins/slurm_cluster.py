"""A real single-node Slurm (Debian's slurm-wlm, munge, slurmdbd on MariaDB) for the Slurm tests.

Everything lives under one temporary directory (configs, state, logs, private ports), so the
cluster is the test's own.  Accounting (slurmdbd) is part of it because submitit reads job states
with ``sacct``: without it a job that Slurm killed would never be seen to end.  Daemons this module
started are stopped by their pid; a munged or MariaDB that was already running is used and left alone.

Each cluster keeps its accounting in a database of its own, dropped at the end: a fresh cluster
numbers its jobs from 1 again, and a database shared between runs would make ``sacct`` answer for
job ``4_1`` with the record of an earlier run's ``4_1``.  munged and MariaDB are machine-wide, so one
cluster runs at a time per machine (a file lock): a second waits rather than stopping the daemons
the first one still uses.

Install (Debian 12, as root): ``apt-get install -y slurm-wlm slurmdbd munge mariadb-server``.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

INSTALL_HINT = "apt-get install -y slurm-wlm slurmdbd munge mariadb-server"
BINARIES = ("slurmctld", "slurmd", "slurmdbd", "munged", "mysqld_safe", "sbatch", "sacct")
LOCK_WAIT_SECONDS = 600.0
"""How long a cluster waits for another one on this machine (a whole Slurm test module) to end."""

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
NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={memory_mb} State=UNKNOWN
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
StorageLoc={database}
"""


def missing() -> list[str]:
    """The programs this cluster needs that are not installed."""
    return [
        name
        for name in BINARIES
        if shutil.which(name) is None and not Path(f"/usr/sbin/{name}").exists()
    ]


def _memory_mb() -> int:
    """What the node declares: slurmd drains a node that has less memory than its slurm.conf says,
    and jobs here ask for none, so a small figure the machine surely has will do."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    return max(1, min(2000, total // 2))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(check: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"Slurm test cluster: {what} did not come up within {timeout:.0f}s")
        time.sleep(0.2)


def _ok(*command: str, env: dict[str, str] | None = None) -> bool:
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    return done.returncode == 0


def _pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _stop(pids: list[int], grace: float) -> None:
    """SIGTERM each daemon (in the order given) and wait for it to exit, so the next one down
    the chain (slurmdbd after slurmctld, MariaDB after slurmdbd) is not pulled away under it;
    after ``grace`` seconds it gets SIGKILL (Slurm's state here is thrown away anyway)."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
        deadline = time.monotonic() + grace
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _end_jobs(env: dict[str, str]) -> None:
    """Cancel what the tests left and wait until Slurm has cleaned it up: slurmd stopped under a
    running step would leave its slurmstepd (and the job's process) behind."""
    subprocess.run(["scancel", "--user=root"], env=env, capture_output=True, check=False)

    def queue_empty() -> bool:
        done = subprocess.run(
            ["squeue", "-h", "-o", "%i"], env=env, capture_output=True, text=True, check=False
        )
        return done.returncode != 0 or not done.stdout.strip()

    deadline = time.monotonic() + 30
    while not queue_empty() and time.monotonic() < deadline:
        time.sleep(0.2)


@contextmanager
def _machine_lock() -> Iterator[None]:
    path = Path(tempfile.gettempdir()) / "runlab-slurm-test-cluster.lock"
    with open(path, "w") as handle:
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"Slurm test cluster: another one (another test run on this machine?) "
                        f"held {path} for {LOCK_WAIT_SECONDS:.0f}s"
                    ) from None
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _start_munged(started: list[int]) -> None:
    if _ok("pgrep", "-x", "munged"):
        return
    Path("/run/munge").mkdir(parents=True, exist_ok=True)
    shutil.chown("/run/munge", "munge", "munge")
    Path("/run/munge/munged.pid").unlink(missing_ok=True)  # a killed munged's: not to be waited on
    subprocess.run(["su", "-s", "/bin/sh", "munge", "-c", "/usr/sbin/munged"], check=True)
    _wait(lambda: _pid(Path("/run/munge/munged.pid")) is not None, "munged")
    started.append(_pid(Path("/run/munge/munged.pid")) or 0)


def _start_mariadb(root: Path, started: list[int]) -> None:
    if _ok("mysqladmin", "ping"):
        return
    Path("/run/mysqld").mkdir(parents=True, exist_ok=True)
    shutil.chown("/run/mysqld", "mysql", "mysql")
    Path("/run/mysqld/mysqld.pid").unlink(missing_ok=True)
    # through a shell that backgrounds it: no Popen object of ours outlives the start
    log = root / "log" / "mysqld.log"
    subprocess.run(["sh", "-c", f"setsid mysqld_safe --user=mysql > '{log}' 2>&1 &"], check=True)
    _wait(lambda: _ok("mysqladmin", "ping"), "MariaDB")
    started.append(_pid(Path("/run/mysqld/mysqld.pid")) or 0)


def _sql(statement: str) -> None:
    subprocess.run(["mysql", "-u", "root", "-e", statement], check=True, capture_output=True)


def _drop_stale_databases() -> None:
    """Databases of clusters that did not get to drop theirs (a killed test run): with the
    machine lock held, no other cluster is using one."""
    listing = subprocess.run(
        ["mysql", "-u", "root", "-N", "-e", "SHOW DATABASES LIKE 'slurm\\_acct\\_db\\_runlab%'"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    for name in listing.stdout.split():
        _sql(f"DROP DATABASE IF EXISTS `{name}`")


def _start_daemon(name: str, pid_file: Path, env: dict[str, str], started: list[int]) -> None:
    subprocess.run([f"/usr/sbin/{name}"], env=env, check=True)
    _wait(lambda: _pid(pid_file) is not None, name)
    started.append(_pid(pid_file) or 0)


@contextmanager
def slurm_cluster(root: Path) -> Iterator[dict[str, str]]:
    """Start the cluster under ``root``; yields the environment (``SLURM_CONF``) to reach it."""
    with _machine_lock():
        yield from _cluster(root)


def _cluster(root: Path) -> Iterator[dict[str, str]]:
    for sub in ("state", "spool", "log"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    database = f"slurm_acct_db_runlab_{os.getpid()}_{secrets.token_hex(3)}"
    ports = {"port": _free_port(), "port_d": _free_port(), "port_dbd": _free_port()}
    host = socket.gethostname().split(".")[0]
    values = {
        "root": root,
        "host": host,
        "cpus": os.cpu_count() or 2,
        "memory_mb": _memory_mb(),
        "database": database,
        **ports,
    }
    conf = root / "slurm.conf"
    conf.write_text(SLURM_CONF.format(**values))
    (root / "slurmdbd.conf").write_text(SLURMDBD_CONF.format(**values))
    os.chmod(root / "slurmdbd.conf", 0o600)
    env = {**os.environ, "SLURM_CONF": str(conf)}
    shared: list[int] = []  # munged, MariaDB: stopped last, and only if this cluster started them
    slurm: list[int] = []  # slurmdbd, slurmctld, slurmd
    database_made = False
    try:
        _start_munged(shared)
        _start_mariadb(root, shared)
        _drop_stale_databases()
        _sql(
            "CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY 'runlabtest';"
            " ALTER USER 'slurm'@'localhost' IDENTIFIED BY 'runlabtest';"
            f" CREATE DATABASE {database}; GRANT ALL ON {database}.* TO 'slurm'@'localhost';"
            " FLUSH PRIVILEGES;"
        )
        database_made = True
        _start_daemon("slurmdbd", root / "slurmdbd.pid", env, slurm)
        _wait(lambda: _ok("sacctmgr", "-i", "add", "cluster", "runlabtest", env=env)
              or _ok("sacctmgr", "-n", "show", "cluster", "runlabtest", env=env), "slurmdbd accounting")  # fmt: skip
        _start_daemon("slurmctld", root / "slurmctld.pid", env, slurm)
        _start_daemon("slurmd", root / "slurmd.pid", env, slurm)

        def idle() -> bool:
            done = subprocess.run(
                ["sinfo", "-h", "-o", "%t"], env=env, capture_output=True, text=True, check=False
            )
            return done.stdout.strip() in ("idle", "mix", "alloc")

        _wait(idle, "the node")
        yield {"SLURM_CONF": str(conf)}
    finally:
        _end_jobs(env)
        _stop([pid for pid in reversed(slurm) if pid], grace=1.0)
        if database_made:
            subprocess.run(
                ["mysql", "-u", "root", "-e", f"DROP DATABASE IF EXISTS {database}"],
                capture_output=True, check=False,
            )  # fmt: skip
        _stop([pid for pid in reversed(shared) if pid], grace=30.0)
