"""The shape of the package: no import cycles, small folders, and the layer protocol's rules.

The layering itself (which part may import which) is import-linter's contract in
pyproject.toml, checked by ``lint-imports`` in CI; this file checks what a contract cannot.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

import numnet
from numnet.nn import Dense, Dropout, ReLU, Sequential

PACKAGE = Path(numnet.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_level_imports(path: Path, modules: set[str]) -> set[str]:
    """numnet modules that ``path`` imports at module level (not inside functions, not under
    ``if TYPE_CHECKING``), resolved to the module itself (``from a import b``: a.b or a)."""
    found: set[str] = set()
    tree = ast.parse(path.read_text())
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for sub in ast.walk(node) if isinstance(node, (ast.If, ast.Try)) else [node]:
            if isinstance(sub, ast.Import):
                found |= {a.name for a in sub.names if a.name in modules}
            elif isinstance(sub, ast.ImportFrom) and sub.module and sub.level == 0:
                for a in sub.names:
                    name = f"{sub.module}.{a.name}"
                    if name in modules:
                        found.add(name)
                    elif sub.module in modules:
                        found.add(sub.module)
    return found


def graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    modules = set(files)
    edges = {m: module_level_imports(p, modules) - {m} for m, p in files.items()}
    # importing a.b.c runs a/__init__ and a/b/__init__ first
    for m in list(edges):
        edges[m] = {parent for target in edges[m] for parent in _parents(target)} | edges[m]
        edges[m] -= set(_parents(m)) | {m}
    return edges


def _parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(2, len(parts))]


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles_between_modules():
    assert cycles(graph()) == []


def test_no_import_cycles_between_top_level_parts():
    def part(m: str) -> str:
        return ".".join(m.split(".")[:2])

    parts: dict[str, set[str]] = {}
    for m, targets in graph().items():
        parts.setdefault(part(m), set()).update(part(t) for t in targets if part(t) != part(m))
    parts.pop("numnet", None)  # the root package only re-exports lazily
    for targets in parts.values():
        targets.discard("numnet")
    assert cycles(parts) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_folder_holds_more_than_12_modules():
    for folder in [PACKAGE, *(p for p in PACKAGE.rglob("*") if p.is_dir())]:
        modules = [p for p in folder.glob("*.py") if p.name != "__init__.py"]
        assert len(modules) <= 12, f"{folder} holds {len(modules)} modules"


def test_assigning_a_weight_writes_into_the_models_buffer():
    model = Sequential([Dense(4), ReLU(), Dense(3)], input_shape=(5,), seed=0)
    dense = model.layers[0]
    new = np.arange(20, dtype=np.float32).reshape(5, 4)
    dense.W = new
    start = model.flat.param_spans[0].start
    np.testing.assert_array_equal(model.flat.params[start : start + 20], new.ravel())
    assert np.shares_memory(dense.W, model.flat.params)


def test_assigning_a_weight_of_the_wrong_shape_is_refused():
    model = Sequential([Dense(4)], input_shape=(5,), seed=0)
    with pytest.raises(ValueError, match=r"Dense.W has shape \(5, 4\); cannot assign"):
        model.layers[0].W = np.zeros((4, 5), np.float32)


def test_the_protocol_is_declared_not_probed():
    model = Sequential([Dense(4), Dropout(0.5), Dense(3)], input_shape=(5,), seed=0)
    assert model.layers[1].uses_rng and model.layers[1].rng is model.rng
    assert not model.layers[0].uses_rng and model.layers[0].rng is None
    assert model.layers[0].input_grad is False and model.layers[2].input_grad is True


def test_loading_draws_no_random_numbers():
    config = Sequential([Dense(4), Dropout(0.5), Dense(3)], input_shape=(5,)).get_config()
    model = Sequential.from_config(config, initialise=False)
    assert not model.flat.params.any()
    fresh = np.random.default_rng(model.seed)
    assert model.rng.bit_generator.state == fresh.bit_generator.state


def test_a_copied_model_keeps_its_layers_on_its_own_buffer():
    import copy

    model = Sequential([Dense(4), ReLU(), Dense(3)], input_shape=(5,), seed=0)
    twin = copy.deepcopy(model)
    assert all(np.shares_memory(la.W, twin.flat.params) for la in twin.layers[::2])
    twin.flat.params[:] = 0
    assert not twin.predict_proba(np.ones((1, 5), np.float32)).std()
    assert model.flat.params.any()
