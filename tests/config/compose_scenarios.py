"""The differential composition scenarios: (fixture tree, primary config, overrides[, version_base]).

Each fixture tree lives in ``tests/config/data/compose/<tree>/``.  The rows cover the defaults-list
rules of spec §4, the override semantics of §3.9 and the error catalogue of §15; every row is composed
by hydra-core (the oracle) and by runlab, and the outputs must match.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).parent / "data" / "compose"


@dataclass(frozen=True)
class Scenario:
    tree: str
    config_name: str | None
    overrides: tuple[str, ...] = ()
    version_base: str = "1.3"

    @property
    def id(self) -> str:
        parts = [self.tree, str(self.config_name), *self.overrides]
        if self.version_base != "1.3":
            parts.append(f"vb{self.version_base}")
        return "|".join(parts)

    @property
    def directory(self) -> Path:
        return DATA / self.tree


def _rows() -> list[Scenario]:
    rows: list[Scenario] = []

    def add(tree: str, name: str | None, *overrides: str, vb: str = "1.3") -> None:
        rows.append(Scenario(tree, name, tuple(overrides), vb))

    # --- basic: group overrides, deletion, append (§3.9.3, §4.7, §4.8) ----------------------------
    b = "basic"
    add(b, "config")
    add(b, "config", "db=sqlite")
    add(b, "config", "db=postgresql", "db.timeout=20")
    add(b, "config", "db=sqlite", "db=postgresql")
    add(b, "config", "~db")
    add(b, "config", "~db=mysql")
    add(b, "config", "~db=sqlite")
    add(b, "config", "~server", "~db")
    add(b, "config", "+db@backup=sqlite")
    add(b, "config", "db@backup=sqlite")
    add(b, "config", "db=nope")
    add(b, "config", "++db=sqlite")
    add(b, "config", "+db=sqlite")
    add(b, "config", "db=[mysql,sqlite]")
    add(b, "config", "db=[]")
    add(b, "config", "db=null")
    add(b, "config", "db=1")
    add(b, "config", "db={user: admin}")
    add(b, "config", "db={user: admin, extra: 1}")
    add(b, "config", "db@foo=mysql")
    add(b, "config", "foo@bar=1")
    add(b, "config", "~db@nope")
    add(b, "config", "server=nginx", "db=sqlite")
    add(b, "config", "+server@second=nginx")
    add(b, "config", "hydra/job_logging=disabled")
    add(b, "config", "hydra/hydra_logging=none", "hydra/job_logging=stdout")
    add(b, "config", "~hydra/job_logging")
    add(b, "plain")
    add(b, "plain", "+db=mysql")
    add(b, "plain", "+db=[mysql,sqlite]")
    add(b, "plain", "+db@x=mysql", "+db@y=sqlite")
    add(b, "nope")
    add(b, "with_list_include")
    # --- basic: value overrides (§3.9.2) -----------------------------------------------------------
    add(b, "config", "debug=true")
    add(b, "config", "+new=1")
    add(b, "config", "new=1")
    add(b, "config", "++debug=1")
    add(b, "config", "++new.deep=2")
    add(b, "config", "+debug=1")
    add(b, "config", "~debug")
    add(b, "config", "~nope")
    add(b, "config", "~debug=true")
    add(b, "config", "~debug=false")
    add(b, "config", "app.tags=[c]")
    add(b, "config", "app.tags.0=z")
    add(b, "config", "app.tags.5=z")
    add(b, "config", "app={name: x}")
    add(b, "config", "app.nested={w: 1}")
    add(b, "config", "+app.nested.w=1")
    add(b, "config", "app.nested.z=3")
    add(b, "config", "~app.nested.z")
    add(b, "config", "~app.nested.y")
    add(b, "config", "app.name=null")
    add(b, "config", "app.name=${db.driver}")
    add(b, "config", "db.port=1,2")
    add(b, "config", "db.port=range(3)")
    add(b, "config", "db.port=choice(1)")
    add(b, "config", "db=mysql,sqlite")
    add(b, "config", "+app.list=[1,2]", "app.list.1=5")
    add(b, "config", "+app={extra: 1}")
    add(b, "config", "app.nested.x=2", "app.nested.x=3")
    add(b, "config", "app.nested=5")
    add(b, "config", "db.port='3307'")
    add(b, "config", "++app.tags=[x,y,z]")
    add(b, "config", "+app.nested.y=1")
    add(b, "config", "hydra.job.name=custom")
    add(b, "config", "hydra.nope=1")
    # --- §4.14 acceptance examples --------------------------------------------------------------
    s = "spec414"
    add(s, "config")
    add(s, "config", "server/db=sqlite")
    add(s, "config", "db=sqlite")
    add(s, "config", "~server/db")
    add(s, "config", "+server/db@backup=sqlite")
    add(s, "config", "server/db@backup=sqlite")
    add(s, "config", "server=apache")
    # --- _self_ (§4.3) --------------------------------------------------------------------------
    so = "self_order"
    for name in (
        "self_first", "self_last", "self_middle", "no_self", "no_self_no_content",
        "no_self_missing_only", "dup_self", "self_pkg", "only_override", "nested_no_self",
        "empty_defaults",
    ):
        add(so, name)
    add(so, "self_last", "db=sqlite")
    add(so, "self_first", "~db")
    add(so, "only_override", "+db=mysql")
    add(so, "empty_defaults", "+db=mysql")
    # --- packages (§4.5, §4.6) ------------------------------------------------------------------
    p = "packages"
    for name in (
        "pkg_explicit", "pkg_here", "pkg_empty", "pkg_global", "pkg_global_dot", "pkg_group",
        "pkg_name", "pkg_dotted", "pkg_config_default", "pkg_abs_config", "hdr_global",
        "hdr_foobar", "hdr_group", "hdr_comment", "hdr_blank", "hdr_explicit", "hdr_primary",
        "reloc", "reloc_group", "use_cg", "use_cg_group", "use_cg_global",
    ):
        add(p, name)
    add(p, "pkg_explicit", "db@backup=sqlite")
    add(p, "pkg_explicit", "db=sqlite")
    add(p, "pkg_here", "db@_global_=sqlite")
    add(p, "pkg_global", "db@_global_=sqlite")
    add(p, "pkg_global", "~db@_global_")
    add(p, "pkg_dotted", "db@a.b.c=sqlite", "db@a.b.d=mysql")
    add(p, "reloc", "server/db@admin.backup=sqlite")
    add(p, "reloc", "server/db=sqlite")
    add(p, "reloc_group", "server/db@other.backup=sqlite")
    add(p, "use_cg", "server/db=sqlite")
    add(p, "use_cg", "server/db@cg.server.db=sqlite")
    add(p, "use_cg_group", "server/db=sqlite")
    add(p, "use_cg_global", "db@top=sqlite")
    add(p, "hdr_global", "hdr=foobar")
    add(p, "hdr_primary", "db=sqlite")
    add(p, "pkg_group", "db@db.x=sqlite")
    add(p, "pkg_explicit", "+db@_global_=sqlite")
    # --- override entries and precedence (§4.7) --------------------------------------------------
    e = "experiment"
    add(e, "config")
    add(e, "config", "+experiment=exp1")
    add(e, "config", "+experiment=exp1", "db=mysql")
    add(e, "config", "+experiment=exp1", "server=apache", "db=pg")
    add(e, "config", "+experiment=[exp1,exp2]")
    add(e, "config", "+experiment=[exp2,exp1]")
    add(e, "config", "+experiment@x=exp2")
    add(e, "config", "experiment=exp1")
    add(e, "config", "+experiment=exp_nomatch")
    add(e, "config", "+experiment=exp1", "~server")
    add(e, "config", "+experiment=help")
    add(e, "config", "+experiment=exp2", "+experiment@e2=exp1")
    add(e, "bad_order")
    add(e, "bad_order_config")
    add(e, "dup_override")
    add(e, "parent_override")
    add(e, "parent_override_wrong")
    add(e, "parent_override", "db@sub.db=pg")
    add(e, "sibling")
    add(e, "override_hydra")
    add(e, "override_hydra", "hydra/job_logging=stdout")
    add(e, "hydra_no_override")
    add(e, "config", "+cache=redis", "+experiment=exp_nomatch")
    # --- optional / null / ??? (§4.8) ------------------------------------------------------------
    o = "optional"
    add(o, "config_optional")
    add(o, "config_optional", "db=mysql")
    add(o, "config_optional", "~cache")
    add(o, "config_null")
    add(o, "config_null", "db=mysql")
    add(o, "config_null", "+db=mysql")
    add(o, "config_null", "~db")
    add(o, "config_mandatory")
    add(o, "config_mandatory", "db=sqlite")
    add(o, "config_mandatory", "~db")
    add(o, "config_missing_opt")
    add(o, "config_missing_include")
    add(o, "config_missing_nested")
    add(o, "config_optional_kw")
    add(o, "config_optional_group")
    add(o, "config_legacy_optional")
    # --- multi-select (§4.10) --------------------------------------------------------------------
    m = "multiselect"
    add(m, "config")
    add(m, "config", "site=[amazon]")
    add(m, "config", "site=[]")
    add(m, "config", "site=amazon")
    add(m, "config", "+site@more=[amazon]")
    add(m, "config", "~site")
    add(m, "pkg")
    add(m, "pkg", "site@https=[amazon]")
    add(m, "pkg", "site=[amazon]")
    add(m, "opt")
    add(m, "interp")
    add(m, "bad_item")
    add(m, "empty")
    add(m, "empty", "site=[fb]")
    add(m, "abs_cfg")
    # --- interpolation in defaults (§4.9) --------------------------------------------------------
    i = "interp"
    add(i, "config")
    add(i, "config", "model=resnet")
    add(i, "config", "dataset=imagenet")
    add(i, "config", "~dataset_model")
    add(i, "early")
    add(i, "early", "dataset=cifar10")
    add(i, "combo")
    add(i, "combo", "model=alexnet")
    add(i, "unknown")
    add(i, "unknown_none")
    add(i, "interp_override")
    add(i, "legacy")
    add(i, "nested_key")
    add(i, "config", "dataset_model=cifar10_alexnet")
    # --- syntax and structural errors (§4.1, §4.11, §1.2.6) ----------------------------------------
    er = "errors"
    for name in (
        "defaults_mapping", "defaults_scalar", "too_many_keys", "bad_value", "bad_list_item",
        "bad_item_type", "multiple_values", "duplicate", "duplicate_config", "primary_list",
        "merge_list", "searchpath_sub", "missing_config_default",
    ):
        add(er, name)
    # --- nesting, relative paths, slash values ----------------------------------------------------
    n = "nested"
    add(n, "config")
    add(n, "config", "a/b/c/d@a.b.c.deep=four")
    add(n, "config", "leaf=y")
    add(n, "config", "a/b=two")
    add(n, "config", "~a/b/c")
    add(n, "slash")
    add(n, "dbconf")
    add(n, "dbconf", "dbconf=item")
    # --- primary config inside a group (§1.2.4) ---------------------------------------------------
    pg = "primary_group"
    add(pg, "dataset/cifar10")
    add(pg, "dataset/cifar10", "dataset/aug=strong")
    add(pg, "dataset/cifar10", "aug=strong")
    add(pg, "dataset/plain")
    add(pg, "dataset/plain", "+db=mysql")
    # --- hydra.searchpath (§5.3) -----------------------------------------------------------------
    sp = "searchpath"
    add(sp, "config")
    add(sp, "noextra")
    add(sp, "noextra", "hydra.searchpath=[file://extra]")
    add(sp, "bad_sp")
    add(sp, None, "hydra.searchpath=[file://extra]", "+db=extra")
    # --- value override rules on a plain config ---------------------------------------------------
    v = "values"
    add(v, "config")
    add(v, "config", "b={c: 3}")
    add(v, "config", "b={z: 3}")
    add(v, "config", "+b={z: 3}")
    add(v, "config", "++b={z: 3}")
    add(v, "config", "b.d=[9]")
    add(v, "config", "b.d.1=9")
    add(v, "config", "l.0.x=5")
    add(v, "config", "m=filled")
    add(v, "config", "+m=filled")
    add(v, "config", "+n=1")
    add(v, "config", "~n")
    add(v, "config", "~m")
    add(v, "config", "~b.e")
    add(v, "config", "~b.e.f=x")
    add(v, "config", "~b.e.f=y")
    add(v, "config", "~s=")
    add(v, "config", "s=")
    add(v, "config", "i=7")
    add(v, "config", "empty={a: 1}")
    add(v, "config", "+empty.a=1")
    add(v, "config", "a=[1,{b: 2}]")
    add(v, "config", "flt=inf")
    add(v, "config", "q=yes")
    add(v, "config", "b.c=null", "~b.c")
    add(v, "config", "b.e.g=1")
    add(v, "config", "+b.e.g.h=1")
    add(v, "config", "a.b=1")
    # --- hydra/* groups ---------------------------------------------------------------------------
    h = "hydra_groups"
    add(h, "config")
    add(h, "config", "hydra/callbacks=one")
    add(h, "cb")
    add(h, "config", "+hydra/callbacks=[one,two]")
    add(h, "sets_hydra")
    add(h, "sets_hydra", "hydra.run.dir=cli", "hydra.job.chdir=false")
    add(h, "sets_hydra", "~sub")
    add(h, "bad_hydra")
    add(h, "bad_hydra_sub")
    add(h, "config", "+sub=bad")
    # --- structured configs and the ConfigStore (§6) -----------------------------------------------
    st = "structured"
    add(st, "structured_primary")
    add(st, "structured_primary", "sdb=postgresql")
    add(st, "structured_primary", "sdb.port=fail")
    add(st, "structured_primary", "sdb.host=10")
    add(st, "structured_primary", "sdb.nope=1")
    add(st, "structured_primary", "+sdb.nope=1")
    add(st, "structured_primary", "debug=maybe")
    add(st, "uses_store")
    add(st, "uses_store", "sdb=postgresql", "sdb.timeout=3")
    add(st, "uses_extended")
    add(st, "uses_bad")
    add(st, "uses_relocated")
    add(st, "uses_auto")
    add(st, "uses_here")
    add(st, "frozen_primary")
    add(st, "frozen_primary", "serial.baud=1")
    add(st, "dict_primary", "b.c=[3]")
    # --- no primary config (§1.2.4) ---------------------------------------------------------------
    add("none", None)
    add("none", None, "+x=1")
    add("none", None, "+db=mysql")
    add("none", None, "db=mysql")
    add("none", None, "+db=[mysql,sqlite]")
    # --- version_base 1.1 compatibility (§1.1.4) --------------------------------------------------
    lg = "legacy11"
    add(lg, "config", vb="1.1")
    add(lg, "config", vb="1.2")
    add(lg, "hdr", vb="1.1")
    add(lg, "hdr")
    add(lg, "name_pkg", vb="1.1")
    add(lg, "opt", vb="1.1")
    add(lg, "opt")
    return rows


SCENARIOS: tuple[Scenario, ...] = tuple(_rows())
