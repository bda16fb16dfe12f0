"""The layers of app/: each knows only those beneath it, read from the source with `ast`.

core <- contract <- figures <- endpoints, pages, export; the service knows no endpoint, page or export module;
main.py and cli.py assemble. No import circle in app/ or scripts/, no module of app/ or core/ takes a private
name (`_x`) of another, and every module of app/, core/ and scripts/ stays under 400 lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "core", "scripts")
MAX_LINES = 400

# What each folder of app/ may import, besides itself. The three at the top may use each other's public names.
MAY_IMPORT = {
    "core": {"core"},
    "contract": {"core"},
    "figures": {"core", "contract"},
    "service": {"core", "contract"},
    "endpoints": {"core", "contract", "figures", "service", "pages", "export"},
    "pages": {"core", "contract", "figures", "service", "endpoints", "export"},
    "export": {"core", "contract", "figures", "service", "endpoints", "pages"},
}


def _modules() -> dict[str, Path]:
    """Every Python module of the packages by dotted name (a package by its own name)."""
    out = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if rel.parts[:2] in (("app", "static"), ("app", "templates")):
                continue  # links to static/ and templates/, not modules of the app
            parts = rel.with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            out[name] = path
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> list[tuple[str, str | None, int]]:
    """(module imported, name taken from it or None, line) for every import of the module, in functions too;
    `from pkg import sub` counts as importing the module pkg.sub where it is one."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    out: list[tuple[str, str | None, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, None, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's own package
                here = name.split(".") if is_package else name.split(".")[:-1]
                base = ".".join(here[: len(here) - node.level + 1] + ([base] if base else []))
            for a in node.names:
                sub = f"{base}.{a.name}"
                out.append((sub, None, node.lineno) if sub in MODULES else (base, a.name, node.lineno))
    return out


def _graph() -> dict[str, set[str]]:
    """Module -> the modules of the packages it imports (a package's __init__ run on the way is not counted)."""
    return {
        name: {m for m, _, _ in _imports(name, path) if m in MODULES and m != name} for name, path in MODULES.items()
    }


def _layer(module: str) -> str | None:
    """The folder of app/ a module belongs to ("core" for the core; None: main.py, cli.py, scripts)."""
    parts = module.split(".")
    if parts[0] == "core":
        return "core"
    return parts[1] if parts[0] == "app" and len(parts) > 1 and parts[1] in MAY_IMPORT else None


def test_the_graph_is_read() -> None:
    """The reading itself: it finds the layers' folders and known imports (else every check below passes idly)."""
    graph = _graph()
    assert {"app.contract.errors", "app.figures.base", "app.service.limits", "app.endpoints.api"} <= set(graph)
    assert "app.contract.errors" in graph["app.figures.base"]
    assert "app.figures.grid" in graph["app.figures.recurrent"]  # `from app.figures import grid`
    assert "app.service.limits" in graph["app.endpoints.api"]


def test_no_import_circle() -> None:
    graph = _graph()
    circles = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        path.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                circles.append([*path[path.index(n) :], n])
            elif n not in state:
                visit(n)
        path.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)
    assert circles == []


def test_each_layer_imports_only_the_layers_beneath_it() -> None:
    wrong = []
    for name, targets in _graph().items():
        layer = _layer(name)
        if layer is None:
            continue
        for t in sorted(targets):
            other = _layer(t)
            if t != "app" and other != layer and other not in MAY_IMPORT[layer]:  # None: main, cli or scripts
                wrong.append(f"{name} ({layer}) imports {t} ({other or 'top'})")
    assert wrong == []


def test_no_module_takes_another_modules_private_names() -> None:
    taken = []
    for name, path in MODULES.items():
        if name.split(".")[0] not in ("app", "core"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases: dict[str, str] = {}  # local name -> module of the packages it stands for
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                aliases |= {a.asname or a.name: a.name for a in node.names if a.name in MODULES}
            elif isinstance(node, ast.ImportFrom):
                aliases |= {
                    a.asname or a.name: f"{node.module}.{a.name}"
                    for a in node.names
                    if f"{node.module}.{a.name}" in MODULES
                }
        for module, taken_name, line in _imports(name, path):
            if module in MODULES and module != name and taken_name and taken_name.startswith("_"):
                taken.append(f"{name}:{line} takes {taken_name} from {module}")
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                taken.append(f"{name}:{node.lineno} uses {aliases[node.value.id]}.{node.attr}")
    assert taken == []


def test_every_module_is_under_400_lines() -> None:
    long = {
        name: n
        for name, path in MODULES.items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) >= MAX_LINES
    }
    assert long == {}
