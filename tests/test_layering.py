"""Data walks one way: the dashboard depends on the warehouse contract (and the shared pure rules in r2p_rules),
never on ETL code, and its modules import each other without circles (checked on the source, imports inside
functions included, so a circle cannot hide behind a late import)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Modules this file imports anywhere (``from a import b`` counts as ``a.b`` when that is a module)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


def _graph(package: str) -> dict[str, set[str]]:
    files = {_module(p): p for p in (ROOT / package).rglob("*.py") if "vendor" not in p.parts}
    return {m: {i for i in _imports(p) if i in files and i != m} for m, p in files.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_dashboard_imports_no_etl_code():
    offenders = {m: sorted(i for i in _imports(p) if i == "etl" or i.startswith("etl."))
                 for p in [*(ROOT / "dashboard").rglob("*.py"), ROOT / "app.py"] for m in [_module(p)]}
    assert {m: i for m, i in offenders.items() if i} == {}


def test_dashboard_modules_import_each_other_without_circles():
    assert _cycles(_graph("dashboard")) == []


def test_the_circle_finder_finds_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_module_is_imported_by_name_outside_page_discovery():
    """``importlib.import_module`` hides an import from readers and from the circle check above; only the server's
    discovery of the page modules (which must follow the app's creation) may use it."""
    users = sorted(_module(p) for p in (ROOT / "dashboard").rglob("*.py")
                   if "vendor" not in p.parts and "importlib" in _imports(p))
    assert users == ["dashboard.server"]


MAX_LINES = 60


def long_functions(package: str, limit: int = MAX_LINES) -> list[str]:
    """Functions (and methods) whose body spans more than ``limit`` lines, as 'module.function (n lines)'."""
    out = []
    for path in (ROOT / package).rglob("*.py"):
        if "vendor" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = node.end_lineno - node.lineno + 1
                if n > limit:
                    out.append(f"{_module(path)}.{node.name} ({n} lines)")
    return sorted(out)


def test_no_dashboard_function_is_over_sixty_lines():
    assert long_functions("dashboard") == []


def test_the_length_check_sees_a_long_function(tmp_path, monkeypatch):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "m.py").write_text("def f():\n" + "    x = 1\n" * 61 + "\n\ndef g():\n    return 1\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert long_functions("pkg") == ["pkg.m.f (62 lines)"]
