"""The layers stay one-way: engine ← components ← app.py."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(path: Path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module.split(".")[0]


def test_engine_imports_only_numpy_and_the_standard_library():
    forbidden = {"streamlit", "plotly", "networkx", "components", "pandas"}
    files = sorted((ROOT / "engine").rglob("*.py"))
    assert files, "no engine files found"
    for path in files:
        bad = forbidden & set(imported_modules(path))
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_components_do_not_import_the_app():
    for path in sorted((ROOT / "components").rglob("*.py")):
        assert "app" not in set(imported_modules(path)), f"{path.relative_to(ROOT)} imports app"
