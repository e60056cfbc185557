"""Environment variables set for every job: visible everywhere, and no C-heap growth per value."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator

import pytest

from runlab import _environ
from runlab._environ import set_variable, unset_variable

NAME = "RUNLAB_TEST_ENVIRON_SLOT"


@pytest.fixture(autouse=True, params=["buffer", "os.environ"])
def _clean(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test runs with values put in runlab's buffer at once, and with the first ones through
    ``os.environ`` (as the first values of every process are)."""
    monkeypatch.setattr(_environ, "_PLAIN_SETS", 0 if request.param == "buffer" else 64)
    monkeypatch.setattr(_environ, "_plain_sets", {})
    yield
    unset_variable(NAME)


def _seen_by_a_subprocess() -> str | None:
    shown = subprocess.run(
        [sys.executable, "-c", f"import os; print(os.environ.get({NAME!r}, '<unset>'))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    return None if shown == "<unset>" else shown


def _seen_by_a_forked_child() -> str | None:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child reports what Python's mapping holds
        os.write(write, repr(os.environ.get(NAME)).encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read) as pipe:
        return ast.literal_eval(pipe.read())


def test_every_value_reaches_python_subprocesses_and_forked_children() -> None:
    for value in ["first", "a longer second value", "x" * 1000, "short", "日本語 path/3"]:
        set_variable(NAME, value)
        assert os.environ[NAME] == value and os.getenv(NAME) == value
        assert _seen_by_a_subprocess() == value
        assert _seen_by_a_forked_child() == value
    for job in range(70):  # past the values that go through os.environ
        set_variable(NAME, f"job {job}")
    assert os.environ[NAME] == "job 69" and _seen_by_a_subprocess() == "job 69"
    unset_variable(NAME)
    assert NAME not in os.environ and _seen_by_a_subprocess() is None
    set_variable(NAME, "back again")
    assert _seen_by_a_subprocess() == "back again"


def test_a_value_set_in_between_through_os_environ_is_replaced_by_the_next_one() -> None:
    set_variable(NAME, "one")
    set_variable(NAME, "two")
    os.environ[NAME] = "the user's own"
    assert _seen_by_a_subprocess() == "the user's own"
    set_variable(NAME, "three")
    assert os.environ[NAME] == "three" and _seen_by_a_subprocess() == "three"


def test_a_nul_in_a_value_is_refused_as_os_environ_refuses_it() -> None:
    set_variable(NAME, "one")
    with pytest.raises(ValueError):
        set_variable(NAME, "bad\0value")
    assert os.environ[NAME] == "one"


@pytest.mark.parametrize("bad_name", ["", "A=B"])
def test_a_name_os_environ_refuses_is_refused(bad_name: str) -> None:
    with pytest.raises((ValueError, OSError)):  # os.environ's own errors
        set_variable(bad_name, "value")
    assert "A" not in os.environ or os.environ["A"] != "B=value"


LEAK_PROBE = textwrap.dedent(
    """
    import ctypes, os, sys
    from runlab import _environ
    from runlab._environ import set_variable, unset_variable

    class MallInfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in
                    "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]

    libc = ctypes.CDLL(None)
    libc.mallinfo2.restype = MallInfo2

    slot = sys.argv[1] == "slot"
    _environ._PLAIN_SETS = 0
    put = set_variable if slot else os.environ.__setitem__
    remove = unset_variable if slot else os.environ.__delitem__
    for warm_up in range(3):
        put("RUNLAB_PROBE", "warm-up %d" % warm_up)
    before = libc.mallinfo2().uordblks
    for job in range(20000):
        put("RUNLAB_PROBE", "/data/multirun/2026-11-28/10-30-00/%d" % job)
        remove("RUNLAB_PROBE")
    print(libc.mallinfo2().uordblks - before)
    """
)


def _heap_growth(kind: str) -> int:
    done = subprocess.run([sys.executable, "-c", LEAK_PROBE, kind], capture_output=True,
                          text=True, check=True)
    return int(done.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallinfo2 is glibc's")
def test_twenty_thousand_values_leave_the_c_heap_as_it_was() -> None:
    assert _heap_growth("os.environ") > 1_000_000  # the leak this module exists to avoid
    assert _heap_growth("slot") < 100_000


def test_a_small_sweep_does_not_import_ctypes() -> None:
    code = ("import sys\nfrom runlab._environ import set_variable\n"
            "for job in range(20): set_variable('RUNLAB_PROBE', str(job))\n"
            "print('ctypes' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
