"""The package keeps its shape: layers import downwards only, no import circles, short modules,
a clean type check, and tests that stay out of the database's private connection."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "bot"

# Bottom to top. A module may import from its own layer and the layers below it.
LAYERS = ["base", "config", "ingest", "analysis", "store", "delivery", "core", "interfaces"]
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> int:
    parts = module.split(".")
    if module == "bot.__main__":
        return len(LAYERS)  # the entry point sits above everything
    if len(parts) >= 2 and parts[1] in LAYERS:
        return LAYERS.index(parts[1])
    return 0  # bot itself and the base modules next to it (errors, models, clock, ...)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(path: Path, known: set[str]) -> Iterator[tuple[int, str]]:
    """(line, imported bot module) for every import in the file, wherever it stands (inside
    functions and ``if TYPE_CHECKING:`` too: a lazy import is still a dependency)."""
    this = module_name(path)
    package = this if path.name == "__init__.py" else this.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "bot":
                    yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "bot":
                continue
            for alias in node.names:  # "from bot.x import y": y may be a module itself
                candidate = f"{target}.{alias.name}"
                yield node.lineno, candidate if candidate in known else target


def import_graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    graph: dict[str, set[str]] = {}
    for name, path in found.items():
        graph[name] = {target for _, target in imports_of(path, known)
                       if target in known and target != name}
    return graph


def test_layers_import_downwards_only():
    found = modules()
    known = set(found)
    wrong = []
    for name, path in found.items():
        for line, target in imports_of(path, known):
            if name == "bot" or target not in known:
                continue
            if layer_of(target) > layer_of(name):
                wrong.append(f"{path.relative_to(ROOT)}:{line}: {name} "
                             f"({LAYERS[layer_of(name)]}) imports {target} "
                             f"({LAYERS[layer_of(target)]})")
    assert not wrong, "imports against the layering:\n" + "\n".join(wrong)


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; components of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_circle_finder_finds_a_circle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert strongly_connected(graph) == [["a", "b", "c"]]
    assert strongly_connected({"a": {"b"}, "b": set()}) == []


def test_no_import_circles():
    graph = import_graph()
    # a package's __init__ that re-exports its own modules is not a circle with them
    for name in graph:
        if (PACKAGE / Path(*name.split(".")[1:]) / "__init__.py").exists():
            graph[name] = {t for t in graph[name] if not t.startswith(name + ".")}
    circles = strongly_connected(graph)
    assert not circles, "import circles:\n" + "\n".join(" ↔ ".join(c) for c in circles)


def test_modules_are_short_or_say_why():
    long_ones = []
    for path in modules().values():
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n")
        if lines <= MAX_LINES:
            continue
        docstring = ast.get_docstring(ast.parse(text)) or ""
        if not re.search(r"(?i)\blong(er)?\b", docstring):
            long_ones.append(f"{path.relative_to(ROOT)}: {lines} lines, and its docstring "
                             "does not say why it is long")
    assert not long_ones, "\n".join(long_ones)


def test_tests_stay_out_of_the_databases_private_connection():
    private = re.compile(r"\b(?:db|database|self|store)\._conn\b")
    offenders = [f"{path.name}:{n}: {line.strip()}"
                 for path in sorted(Path(__file__).parent.glob("*.py")) if path.name != Path(__file__).name
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if private.search(line)]
    assert not offenders, "\n".join(offenders)


def test_the_package_type_checks():
    """mypy over bot/ with the settings in pyproject.toml, as CI runs it."""
    result = subprocess.run([sys.executable, "-m", "mypy", "--no-error-summary",
                             "--cache-dir", str(ROOT / ".mypy_cache")],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
