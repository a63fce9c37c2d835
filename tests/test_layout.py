"""The layout docs/DESIGN.md promises: files it names exist, layers import downward only, no
import cycles (imports inside functions included), small files and functions."""
import ast
import re
from pathlib import Path
from typing import Dict, Set

from tests.helpers import ROOT

PACKAGES = ("facevid", "stage1_detect", "stage2_seg", "postprocess", "pipeline")
# Who may import whom (a package imports itself freely).
ALLOWED = {"facevid": set(), "postprocess": set(), "stage1_detect": {"facevid", "postprocess"},
           "stage2_seg": {"facevid", "postprocess"},
           "pipeline": {"facevid", "postprocess", "stage1_detect", "stage2_seg"}}
MAX_FILE_LINES, MAX_FUNCTION_LINES = 300, 50


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> Dict[str, Path]:
    return {_module(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}


def _imports(path: Path, known: Dict[str, Path]) -> Set[str]:
    """Our modules imported anywhere in the file (functions included), resolved to modules."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module] + [f"{node.module}.{a.name}" for a in node.names] \
            if isinstance(node, ast.ImportFrom) and node.module else []
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    return found


def test_every_file_the_design_document_names_exists():
    text = (ROOT / "docs" / "DESIGN.md").read_text()
    named = set(re.findall(r"`((?:[\w.-]+/)+[\w.-]*)`", text))
    missing = [n for n in named if "*" not in n and not (ROOT / n).exists()]
    assert named and not missing, missing


def test_layers_import_downward_only_and_without_cycles():
    known = _modules()
    graph = {m: _imports(p, known) - {m} for m, p in known.items()}
    upward = [(m, d) for m, deps in graph.items() for d in deps
              if d.split(".")[0] != m.split(".")[0] and d.split(".")[0] not in ALLOWED[m.split(".")[0]]]
    assert not upward, upward
    # A package's __init__ importing its own submodules is not a cycle of concepts.
    edges = {m: {d for d in deps if not m.startswith(d + ".")} for m, deps in graph.items()}
    state: Dict[str, int] = {}

    def visit(m, path):
        state[m] = 1
        for d in edges[m]:
            assert state.get(d) != 1, "import cycle: " + " -> ".join(path + [m, d])
            if d not in state:
                visit(d, path + [m])
        state[m] = 2
    for m in edges:
        if m not in state:
            visit(m, [])


def test_files_and_functions_stay_small():
    big_files, big_functions = [], []
    for folder in PACKAGES + ("tools", "bench", "tests"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text()
            if len(text.splitlines()) > MAX_FILE_LINES:
                big_files.append(str(path.relative_to(ROOT)))
            if folder == "tests":
                continue
            for node in ast.walk(ast.parse(text)):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and \
                        node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES:
                    big_functions.append(f"{path.relative_to(ROOT)}:{node.name}")
    assert not big_files and not big_functions, (big_files, big_functions)


def test_the_shared_core_keeps_at_most_a_dozen_modules_at_its_top():
    top = [p.name for p in (ROOT / "facevid").glob("*.py")]
    assert len(top) <= 12, top
    for package in (ROOT / "facevid").iterdir():
        if package.is_dir() and (package / "__init__.py").is_file():
            assert ast.get_docstring(ast.parse((package / "__init__.py").read_text())), package


HEAVY = {"paddle", "ppdet", "paddleseg"}


def _names(node: ast.AST) -> list:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if isinstance(node, ast.ImportFrom) and node.module:
        return [node.module] + [f"{node.module}.{a.name}" for a in node.names]
    return []


def _split_imports(tree: ast.AST):
    """(imports at module level, imports inside functions) of a parsed file."""
    top, inner = [], []

    def walk(node, in_function):
        for child in ast.iter_child_nodes(node):
            (inner if in_function else top).extend(_names(child))
            walk(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)))
    walk(tree, False)
    return top, inner


def _resolve(name: str, known: Dict[str, Path]) -> str:
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name


def test_imports_inside_functions_only_defer_paddle():
    # An import inside a function is there to keep paddle (or ppdet, PaddleSeg) out of a
    # start-up or a `--help` that does not need it; anything lighter is imported at the top.
    known = _modules()
    top = {m: _split_imports(ast.parse(p.read_text()))[0] for m, p in known.items()}
    heavy = {m for m, names in top.items() if any(n.split(".")[0] in HEAVY for n in names)}
    changed = True
    while changed:             # a module is heavy if its package or anything it imports is
        grown = {m for m, names in top.items() if m not in heavy and (
            any(_resolve(n, known) in heavy for n in names)
            or any(p in heavy for p in [m.rsplit(".", k)[0] for k in range(1, m.count(".") + 1)]))}
        heavy |= grown
        changed = bool(grown)
    light = []
    for folder in PACKAGES + ("tools", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            for name in _split_imports(ast.parse(path.read_text()))[1]:
                module = _resolve(name, known)
                if module and module not in heavy and name.split(".")[0] in PACKAGES:
                    light.append(f"{path.relative_to(ROOT)}: {name}")
    assert not light, light
