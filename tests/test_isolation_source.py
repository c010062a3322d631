"""Nothing a student does can reach another student: a scan of the app's source (app.py, components/, engine/).

All sessions of a class share one Python process. What lives at module level or in a process-wide
cache (``st.cache_resource``, ``functools.lru_cache``) is shared by every student, so it must never
be mutated, and what is cached must be immutable. User input must never reach HTML unescaped
(``unsafe_allow_html``), ``eval``/``exec`` or ``pickle``.
"""
import ast
import dataclasses
import types
from pathlib import Path

import numpy as np
import pytest

from engine.lab import LabSettings

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted([ROOT / "app.py", *(ROOT / "components").rglob("*.py"), *(ROOT / "engine").rglob("*.py")])

# Process-wide caches, each with why sharing it is safe; `test_shared_caches_hand_out_immutable_values`
# calls each one and checks the value it hands out cannot be changed in place.
SHARED_CACHES = {
    "components/drawing/layout.py:layered_layout": (lambda f: f((2, 3, 1)), "positions and ids of an architecture"),
    "engine/timeline.py:_weight_ids": (lambda f: f((2, 3, 1), 0), "weight ids of a layer"),
    "components/drawing/graph.py:_edge_index_of": (lambda f: f((2, 3, 1)), "edge position of each weight id"),
    "engine/lab.py:remedies": (lambda f: f(LabSettings(depth=3, width=4), "vanishing"),
                               "remedies measured for a settings record: frozen records of numbers"),
}
# Module-level names a function may rebind with `global`, each with why it holds no student's data.
GLOBALS_ALLOWED = {
    "engine/network.py:_MEMORY_TUNED": "a process-wide once-flag for the allocator setting",
    "components/shell/housekeeping.py:_last_collect": "when the process last collected garbage",
    "components/playground/player.py:_component": "the player component's definition (its code and styles, "
                                                  "the same for every session), registered once",
    "components/drawing/chart_size.py:_component": "the size watcher's definition (its code, the same for "
                                                   "every session), registered once",
    "components/shell/priority.py:_running": "how many full runs are in progress in the process (a count, "
                                             "no student's data)",
}
# Hand-written memo dicts (module-level, filled by a function), each with why no student's data is in it.
MEMO_ALLOWED = {
    "components/drawing/style.py:_BIN_CACHE": "the bin colours of a colour scale, computed from the scale alone",
    "components/drawing/plain.py:_template": "plotly's default template, read once: the same in every figure",
}
MUTATORS = {"append", "extend", "insert", "update", "add", "setdefault", "pop", "popitem", "clear",
            "remove", "discard", "sort", "reverse", "fill", "resize", "put", "itemset"}
MUTABLE_FACTORIES = {"list", "dict", "set", "defaultdict", "OrderedDict", "Counter", "deque", "bytearray",
                     "zeros", "ones", "empty", "full", "array", "arange", "zeros_like", "ones_like"}
FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__", "execfile", "input"}
FORBIDDEN_MODULES = {"pickle", "cPickle", "dill", "cloudpickle", "marshal", "shelve", "jsonpickle", "joblib"}


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def call_name(node: ast.Call) -> str:
    f = node.func
    if isinstance(f, ast.Name):
        return f.id
    if isinstance(f, ast.Attribute):
        return f.attr
    return ""


def dotted(node) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return dotted(node.func)
    return ""


def is_mutable_value(node) -> bool:
    if isinstance(node, (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)):
        return True
    return isinstance(node, ast.Call) and call_name(node) in MUTABLE_FACTORIES


def module_level_mutables(tree: ast.Module) -> set:
    names = set()
    for stmt in tree.body:
        targets, value = [], None
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            targets, value = [stmt.target], stmt.value
        if value is not None and is_mutable_value(value):
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def mutations_inside_functions(tree: ast.Module, names: set):
    """(line, name, how) for every in-place change of a module-level name inside a function."""
    for fn in ast.walk(tree):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        for node in ast.walk(fn):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and isinstance(node.func.value, ast.Name) and node.func.value.id in names \
                    and node.func.attr in MUTATORS:
                yield node.lineno, node.func.value.id, f".{node.func.attr}()"
            targets = []
            if isinstance(node, (ast.Assign, ast.Delete)):
                targets = node.targets
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
                targets = [node.target]
            for t in targets:
                base = t
                while isinstance(base, (ast.Subscript, ast.Attribute)):
                    base = base.value
                if t is not base and isinstance(base, ast.Name) and base.id in names:
                    yield node.lineno, base.id, "item/attribute assignment"


@pytest.mark.parametrize("path", SOURCES, ids=rel)
def test_no_module_level_container_is_changed_by_a_function(path):
    tree = parse(path)
    found = [f"{rel(path)}:{line}: {name} changed by {how}"
             for line, name, how in mutations_inside_functions(tree, module_level_mutables(tree))
             if f"{rel(path)}:{name}" not in MEMO_ALLOWED]
    assert not found, "module-level state is shared by every student's session:\n" + "\n".join(found)


@pytest.mark.parametrize("path", SOURCES, ids=rel)
def test_functions_rebind_no_module_globals(path):
    found = [f"{rel(path)}:{node.lineno}: global {name}"
             for node in ast.walk(parse(path)) if isinstance(node, (ast.Global, ast.Nonlocal))
             for name in node.names if isinstance(node, ast.Global)
             and f"{rel(path)}:{name}" not in GLOBALS_ALLOWED]
    assert not found, "a global rebound by a function is shared by every session:\n" + "\n".join(found)


def process_wide_caches(path: Path):
    """(qualified name, decorator) of functions cached for the whole process."""
    for node in ast.walk(parse(path)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for dec in node.decorator_list:
                name = dotted(dec)
                if name.endswith(("cache_resource", "lru_cache", "functools.cache")) or name == "cache":
                    yield f"{rel(path)}:{node.name}", name
        elif isinstance(node, ast.Call) and dotted(node.func).endswith("cache_resource"):
            yield f"{rel(path)}:<call at line {node.lineno}>", "cache_resource"


def test_every_process_wide_cache_is_listed_with_its_reason():
    found = {name: dec for path in SOURCES for name, dec in process_wide_caches(path)}
    unlisted = sorted(set(found) - set(SHARED_CACHES))
    assert not unlisted, (f"process-wide caches {unlisted} are shared by all students: cache only immutable "
                          "values, then list them in SHARED_CACHES so their values are checked")


def assert_immutable(value, where, seen=None):
    """Fail if ``value`` (recursively) can be changed in place."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes, range, np.generic)):
        return
    if isinstance(value, types.MappingProxyType):
        for k, v in value.items():
            assert_immutable(k, where, seen)
            assert_immutable(v, where, seen)
        return
    if isinstance(value, (tuple, frozenset)):
        for v in value:
            assert_immutable(v, where, seen)
        return
    if isinstance(value, np.ndarray):
        assert not value.flags.writeable, f"{where}: a writeable array {value.shape} is shared by all sessions"
        if value.dtype == object:
            for v in value.ravel():
                assert_immutable(v, where, seen)
        return
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        assert value.__dataclass_params__.frozen, f"{where}: {type(value).__name__} is not a frozen dataclass"
        for f in dataclasses.fields(value):
            assert_immutable(getattr(value, f.name), f"{where}.{f.name}", seen)
        return
    try:
        import networkx as nx
        if isinstance(value, nx.Graph):
            assert nx.is_frozen(value), f"{where}: a networkx graph shared by all sessions is not frozen (nx.freeze)"
            return
    except ImportError:
        pass
    raise AssertionError(f"{where}: {type(value).__name__} can be changed in place but is shared by all sessions")


@pytest.mark.parametrize("name", sorted(SHARED_CACHES))
def test_shared_caches_hand_out_immutable_values(name):
    import importlib
    path, func = name.split(":")
    module = importlib.import_module(path[:-3].replace("/", "."))
    call, _why = SHARED_CACHES[name]
    assert_immutable(call(getattr(module, func)), name)


def literal_constants(tree) -> set:
    """Names bound once at module level to a string literal (``LAYOUT_CSS = \"\"\"<style>…\"\"\"``)."""
    bound = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    literal = isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
                    bound[target.id] = literal and target.id not in bound
    rebound = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
               and n not in {t for a in tree.body if isinstance(a, ast.Assign) for t in a.targets}}
    return {name for name, ok in bound.items() if ok and name not in rebound}


def html_findings(path):
    found = []
    tree = parse(path)
    constants = literal_constants(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        unsafe = any(k.arg == "unsafe_allow_html" and not (isinstance(k.value, ast.Constant) and k.value.value is False)
                     for k in node.keywords)
        is_html = dotted(node.func) in ("st.html", "html", "components.html", "stc.html", "components.v1.html")
        first = node.args[0] if node.args else None
        literal = (isinstance(first, ast.Constant) and isinstance(first.value, str)) or \
            (isinstance(first, ast.Name) and first.id in constants)
        if (unsafe or is_html) and not literal:
            found.append(f"{rel(path)}:{node.lineno}: {dotted(node.func)}(...) with markup that is not a literal")
    return found


@pytest.mark.parametrize("path", SOURCES, ids=rel)
def test_html_is_never_built_from_data(path):
    """unsafe_allow_html / st.html only with a literal string (or a module constant bound once to one): user data
    never becomes markup."""
    found = html_findings(path)
    assert not found, "\n".join(found)


def eval_findings(path):
    found = []
    for node in ast.walk(parse(path)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_CALLS:
            found.append(f"{rel(path)}:{node.lineno}: {node.func.id}()")
        if isinstance(node, ast.Call) and any(k.arg == "allow_pickle" and not (
                isinstance(k.value, ast.Constant) and k.value.value is False) for k in node.keywords):
            found.append(f"{rel(path)}:{node.lineno}: allow_pickle")
        if isinstance(node, ast.Import):
            found += [f"{rel(path)}:{node.lineno}: import {a.name}" for a in node.names
                      if a.name.split(".")[0] in FORBIDDEN_MODULES]
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in FORBIDDEN_MODULES:
            found.append(f"{rel(path)}:{node.lineno}: from {node.module} import")
    return found


@pytest.mark.parametrize("path", SOURCES, ids=rel)
def test_no_eval_exec_or_pickle(path):
    found = eval_findings(path)
    assert not found, "user input must never be evaluated or unpickled:\n" + "\n".join(found)


def test_the_scan_finds_what_it_forbids(tmp_path):
    """The checks above can fail: a module with each forbidden pattern is caught."""
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import pickle\nimport streamlit as st\nSEEN = []\nCOUNTS = {}\n"
        "def remember(x):\n    SEEN.append(x)\n    COUNTS[x] = 1\n    return eval(x)\n"
        "def show(name):\n    st.markdown(f'<b>{name}</b>', unsafe_allow_html=True)\n"
        "@st.cache_resource\ndef shared():\n    return []\n")
    tree = parse(bad)
    assert {n for _, n, _ in mutations_inside_functions(tree, module_level_mutables(tree))} == {"SEEN", "COUNTS"}
    assert [name for name, _ in process_wide_caches(bad)] == ["bad.py:shared"]
    assert len(html_findings(bad)) == 1
    assert sorted(f.split(": ")[1] for f in eval_findings(bad)) == ["eval()", "import pickle"]
    with pytest.raises(AssertionError, match="writeable array"):
        assert_immutable(np.zeros(2), "x")
    with pytest.raises(AssertionError, match="list"):
        assert_immutable(([1],), "x")


def test_a_module_constant_counts_as_literal_markup_only_when_bound_once_to_a_string():
    assert literal_constants(ast.parse('CSS = "<style></style>"\n')) == {"CSS"}
    assert literal_constants(ast.parse('CSS = "<style>"\nCSS = user_text\n')) == set()       # rebound
    assert literal_constants(ast.parse('CSS = f"<b>{name}</b>"\n')) == set()                   # built from data
    assert literal_constants(ast.parse('CSS = "<b>"\ndef f(d):\n    global CSS\n    CSS = d\n')) == set()
