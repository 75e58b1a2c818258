"""The core's parts depend on each other in one direction only, and commands are listed, not registered."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"


def _edges() -> dict[str, set[str]]:
    """Part → parts it imports (a part: a package under app/, or a top-level module), imports anywhere in a
    file, deferred ones included: an import inside a function is still a dependency."""
    edges: dict[str, set[str]] = defaultdict(set)
    for path in APP.rglob("*.py"):
        part = path.relative_to(APP).parts[0].removesuffix(".py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
                [a.name for a in node.names] if isinstance(node, ast.Import) else []
            for name in names:
                if name.startswith("app.") and (other := name.split(".")[1]) != part:
                    edges[part].add(other)
    return edges


def test_no_two_parts_of_the_core_depend_on_each_other():
    edges = _edges()

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            for nxt in edges.get(todo.pop(), ()):
                if nxt == goal:
                    return True
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return False

    cycles = sorted((a, b) for a in edges for b in edges[a] if reaches(b, a))
    assert not cycles, f"parts that depend on each other (directly or through others): {cycles}"


def test_only_the_command_line_depends_on_the_commands():
    users = sorted(part for part, deps in _edges().items() if "commands" in deps)
    assert users == ["cli"]


def test_the_desktop_app_runs_no_sql_of_its_own():
    """Issue 18: what the screens read comes from functions of app/ (the CLI can call the same ones)."""
    found = []
    for path in (APP.parent / "ui").rglob("*.py"):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if any(sql in line for sql in ("json_extract", "SELECT ", ".query(", ".execute(")):
                found.append(f"{path.name}:{n}: {line.strip()}")
    assert not found, found
