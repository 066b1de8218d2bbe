"""The layout holds: the engine imports no tool, no module or layer imports in a cycle, files and functions
stay small. Imports are read from the source: every `import` anywhere in a module, function bodies too,
except those under `if TYPE_CHECKING:` (annotations only, never run)."""
from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

TOOLS = ("pipeline.audit", "pipeline.evals", "pipeline.prep")
COMPOSERS = ("pipeline.cli", "pipeline.__main__")
MAX_FILE_LINES = 350
MAX_FUNCTION_LINES = 60
# Longer on purpose, each with its reason:
LONG_FUNCTIONS = {
    "trainer.train.train": "the training loop reads top to bottom: schedule, batches, eval, checkpoint, log",
    "pipeline.evals.bench.main": "the benchmark's script: one measurement after another, in the order they print",
}
LONG_FILES: dict[str, str] = {}


def modules() -> dict[str, Path]:
    found = {}
    for pkg in ("pipeline", "trainer"):
        for p in sorted((ROOT / pkg).rglob("*.py")):
            parts = list(p.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = p
    return found


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The project modules a file imports (a `from a.b import c` counts as a.b.c when that is a module)."""
    out = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If) and
                   getattr(block.test, "id", None) == "TYPE_CHECKING" for n in ast.walk(block)}
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in known else node.module for a in node.names]
        else:
            continue
        out |= {n for n in names if n in known}
    return out


def layer(mod: str) -> str:
    if mod in COMPOSERS:
        return "cli"
    for tool in TOOLS:
        if mod == tool or mod.startswith(tool + "."):
            return tool
    return "trainer" if mod.split(".")[0] == "trainer" else "engine"


def graph() -> dict[str, set[str]]:
    mods = modules()
    return {m: imports_of(p, set(mods)) - {m} for m, p in mods.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def test_the_engine_imports_no_tool_and_the_tools_only_what_they_may():
    allowed = {"engine": {"engine"}, "trainer": {"engine", "trainer"}, "pipeline.prep": {"engine", "pipeline.prep"},
               "pipeline.audit": {"engine", "pipeline.audit"},
               "pipeline.evals": {"engine", "pipeline.audit", "pipeline.evals", "trainer"},
               "cli": {"engine", "pipeline.audit", "pipeline.evals", "pipeline.prep", "trainer", "cli"}}
    bad = [(m, d) for m, deps in graph().items() for d in deps if layer(d) not in allowed[layer(m)]]
    assert not bad, bad
    assert "pipeline.audit.report" in graph()["pipeline.cli"]  # the walk does see function-level imports


def test_no_import_cycle_between_modules_or_layers():
    g = graph()
    assert cycles(g) == []
    layers: dict[str, set[str]] = {}
    for m, deps in g.items():
        layers.setdefault(layer(m), set()).update(layer(d) for d in deps if layer(d) != layer(m))
    assert cycles(layers) == []
    assert cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]  # the check can fail


def test_files_and_functions_stay_small():
    long_files, long_functions = [], []
    for mod, path in modules().items():
        src = path.read_text(encoding="utf-8")
        if len(src.splitlines()) > MAX_FILE_LINES and mod not in LONG_FILES:
            long_files.append((mod, len(src.splitlines())))
        for node in ast.walk(ast.parse(src)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES and f"{mod}.{node.name}" not in LONG_FUNCTIONS:
                    long_functions.append((f"{mod}.{node.name}", n))
    assert not long_files and not long_functions, (long_files, long_functions)


def test_every_stage_is_in_the_registry_once_and_the_registry_drives_the_config():
    from pipeline.config import RunConfig
    from pipeline.stages import STAGE_NAMES, STAGES
    from pipeline.stages.base import Stage

    files = {p.stem for p in (ROOT / "pipeline" / "stages").glob("*.py")} - {"__init__", "base"}
    assert sorted(s.__module__.rsplit(".", 1)[-1] for s in STAGES) == sorted(files)
    assert all(issubclass(s, Stage) and s.help for s in STAGES) and len({s.name for s in STAGES}) == len(STAGES)
    assert list(RunConfig().stages) == list(STAGE_NAMES)
    assert {s.name for s in STAGES if s.Params is not None} <= set(RunConfig.model_fields)
