"""Each page's state in one place: a test that reads every module (ast) and names who touches whose keys.

Rules (issue 12):
1. Only the page packages (``components/step``, ``lab``, ``playground``, ``lessons``) and the shell
   (``components/shell``) touch ``st.session_state`` at all.
2. A session key belongs to the package whose prefix it carries (``OWNERS``); a module outside that
   package never names it: not as a literal, not through the owner's key constants
   (``session.KEY``, ``from … import RUN``), in ``st.session_state[…]``, ``.get/.pop/.setdefault(…)``,
   ``… in st.session_state`` or a widget's ``key=``.
3. Every key a package names carries one of its own prefixes (so rule 2 can see it).

A key the checker cannot read statically (``key(name)`` built by a helper) is skipped: it is checked
where the helper builds it.
"""
import ast
import pathlib
from typing import Dict, List, Optional

ROOT = pathlib.Path(__file__).resolve().parents[1]
OWNERS: Dict[str, tuple] = {
    "components/step": ("step_", "quiz_"),
    "components/playground": ("playground", "pg_"),
    "components/lab": ("lab_", "lab"),
    "components/lessons": ("lessons_", "lesson_", "open_"),
    "components/sandbox": ("sandbox",),
    "components/shell": ("share_", "presenter_", "housekeeping_", "fit_"),
}
SCANNED = ("app.py", "components", "engine")
KEY_METHODS = {"get", "pop", "setdefault", "__getitem__", "__setitem__", "__delitem__", "__contains__"}


def _owner_of_key(key: str) -> Optional[str]:
    """The package whose prefix ``key`` carries (the longest prefix wins)."""
    best, length = None, -1
    for package, prefixes in OWNERS.items():
        for p in prefixes:
            if (key == p or key.startswith(p)) and len(p) > length:
                best, length = package, len(p)
    return best


def _package_of(module: str) -> Optional[str]:
    for package in OWNERS:
        if module.startswith(package + "/"):
            return package
    return None


def _module_constants(tree: ast.Module) -> Dict[str, str]:
    """Module-level ``NAME = "text"`` (and ``A, B = "x", "y"``) string constants."""
    out = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                pairs = []
                if isinstance(target, ast.Name):
                    pairs = [(target, node.value)]
                elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                    pairs = list(zip(target.elts, node.value.elts))
                for t, v in pairs:
                    if isinstance(t, ast.Name) and isinstance(v, ast.Constant) and isinstance(v.value, str):
                        out[t.id] = v.value
    return out


def _is_session_state(node) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "session_state") or \
        (isinstance(node, ast.Name) and node.id == "session_state")


class _Checker(ast.NodeVisitor):
    def __init__(self, module: str, tree: ast.Module, constants: Dict[str, Dict[str, str]]):
        self.module, self.package = module, _package_of(module)
        self.local = constants.get(module, {})
        self.constants = constants
        self.aliases: Dict[str, str] = {}     # name → module path ("components/step/session.py")
        self.imported: Dict[str, str] = {}    # name → key text (from X import KEY)
        self.problems: List[str] = []
        self.assigned: Dict[str, List[ast.AST]] = {}   # local name → the expressions assigned to it
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                self.assigned.setdefault(node.targets[0].id, []).append(node.value)
        self._imports(tree)

    def _imports(self, tree):
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                base = node.module.replace(".", "/")
                for a in node.names:
                    name = a.asname or a.name
                    as_module = f"{base}/{a.name}.py"
                    if as_module in self.constants:
                        self.aliases[name] = as_module
                    elif f"{base}.py" in self.constants and a.name in self.constants[f"{base}.py"]:
                        self.imported[name] = self.constants[f"{base}.py"][a.name]
            elif isinstance(node, ast.Import):
                for a in node.names:
                    path = a.name.replace(".", "/") + ".py"
                    if a.asname and path in self.constants:
                        self.aliases[a.asname] = path

    def _key_text(self, node, depth: int = 0) -> Optional[str]:
        """The key (or its leading text) an expression names, if it can be read statically."""
        if depth > 3:
            return None
        if isinstance(node, ast.Name) and node.id not in self.local and node.id not in self.imported:
            texts = {self._key_text(v, depth + 1) for v in self.assigned.get(node.id, ())} - {None}
            return texts.pop() if len(texts) == 1 else None   # a local like key = f"pg_{name}"
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
            return str(node.values[0].value)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self._key_text(node.left)
        if isinstance(node, ast.Name):
            return self.local.get(node.id, self.imported.get(node.id))
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in self.aliases:
            return self.constants[self.aliases[node.value.id]].get(node.attr)
        return None

    def _where(self, node) -> str:
        return f"{self.module}:{node.lineno}"

    def _key_used(self, node, how: str) -> None:
        key = self._key_text(node)
        if key is None:
            return
        owner = _owner_of_key(key)
        if owner is None:
            if self.package is not None:
                self.problems.append(f"{self._where(node)}: key {key!r} ({how}) carries no prefix of "
                                     f"{self.package} {OWNERS[self.package]}")
            else:
                self.problems.append(f"{self._where(node)}: key {key!r} ({how}) outside every page package")
        elif owner != self.package:
            self.problems.append(f"{self._where(node)}: {self.module} touches {owner}'s key {key!r} ({how})")

    def visit_Attribute(self, node):
        if node.attr == "session_state" and self.package is None:
            self.problems.append(f"{self._where(node)}: {self.module} touches st.session_state "
                                 "(only the page packages and the shell may)")
        self.generic_visit(node)

    def visit_Subscript(self, node):
        if _is_session_state(node.value):
            self._key_used(node.slice, "st.session_state[…]")
        self.generic_visit(node)

    def visit_Call(self, node):
        f = node.func
        if isinstance(f, ast.Attribute) and _is_session_state(f.value) and f.attr in KEY_METHODS and node.args:
            self._key_used(node.args[0], f"st.session_state.{f.attr}(…)")
        for kw in node.keywords:
            if kw.arg == "key":
                self._key_used(kw.value, "key=")
        self.generic_visit(node)

    def visit_Compare(self, node):
        if any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops) and any(_is_session_state(c) for c in node.comparators):
            self._key_used(node.left, "… in st.session_state")
        self.generic_visit(node)


def modules(root: pathlib.Path = ROOT) -> Dict[str, str]:
    """Every scanned module's source by its path relative to ``root``."""
    out = {}
    for top in SCANNED:
        path = root / top
        files = [path] if path.is_file() else sorted(path.rglob("*.py"))
        for f in files:
            out[f.relative_to(root).as_posix()] = f.read_text(encoding="utf-8")
    return out


def check(sources: Dict[str, str]) -> List[str]:
    """Every rule broken in ``sources`` (path → text), one line each."""
    trees = {m: ast.parse(text, m) for m, text in sources.items()}
    constants = {m: _module_constants(t) for m, t in trees.items()}
    problems = []
    for m, tree in trees.items():
        checker = _Checker(m, tree, constants)
        checker.visit(tree)
        problems += checker.problems
    return problems


def test_every_page_owns_its_session_state():
    problems = check(modules())
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------- the checker can fail
PAGE = '''import streamlit as st
KEY = "playground"
def run():
    return st.session_state[KEY]
def widget(name):
    return st.session_state.get(f"pg_{name}")
'''


def test_checker_names_a_shell_module_writing_a_pages_key():
    shell = '''import streamlit as st
from components.playground import session
def apply(s):
    st.session_state[session.KEY] = s
    st.session_state["pg_lr"] = 0.1
    st.session_state[f"step_{s}"] = 1
'''
    problems = check({"components/playground/session.py": PAGE, "components/shell/sharing.py": shell})
    assert len(problems) == 3, problems
    assert "touches components/playground's key 'playground'" in problems[0]
    assert "'pg_lr'" in problems[1] and "components/step's key 'step_'" in problems[2]


def test_checker_names_a_drawing_module_touching_session_state_and_a_constant_imported_by_name():
    drawing = '''import streamlit as st
from components.playground.session import KEY
def draw():
    return st.session_state.get("x")
def other():
    return KEY in st.session_state
'''
    problems = check({"components/playground/session.py": PAGE, "components/drawing/graph.py": drawing})
    assert any("components/drawing/graph.py:4: components/drawing/graph.py touches st.session_state" in p
               for p in problems), problems
    assert any("touches components/playground's key 'playground' (… in st.session_state)" in p for p in problems)


def test_checker_names_a_widget_key_without_the_pages_prefix_and_passes_clean_code():
    lab = 'import streamlit as st\nst.slider("depth", 1, 5, key="depth")\nst.slider("w", 1, 5, key="lab_width")\n'
    problems = check({"components/lab/page.py": lab})
    assert problems == ["components/lab/page.py:2: key 'depth' (key=) carries no prefix of components/lab "
                        "('lab_', 'lab')"]
    assert check({"components/playground/session.py": PAGE}) == []
