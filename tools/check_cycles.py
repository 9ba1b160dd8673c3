"""Fail when any two modules of `milimo` import each other, directly or through others (a cycle),
or when a top-level module is in no layer of the import-linter layers contract.

import-linter checks the layers between packages; this checks every module, inside packages too.
Imports under `if TYPE_CHECKING:` do not count: a type-only back-reference (a helper module naming
the class that calls it in an annotation) never runs and cannot leave a module half-initialised.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import grimp


def strongly_connected(graph: grimp.ImportGraph, modules: set[str]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (the import graph can be deep)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    counter = 0
    edges = {m: sorted(graph.find_modules_directly_imported_by(m) & modules) for m in modules}
    for root in sorted(modules):
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
            elif child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(edges[child])))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return groups


def unlayered(graph: grimp.ImportGraph, package: str) -> list[str]:
    """Top-level modules of the package that no layer of pyproject's layers contract names."""
    config = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    layers = next(c["layers"] for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers")
    named = {name.strip() for layer in layers for name in layer.split("|")}
    return sorted(m for m in graph.find_children(package) if m not in named)


def main(package: str = "milimo") -> int:
    graph = grimp.build_graph(package, include_external_packages=False, exclude_type_checking_imports=True)
    # A package's __init__ importing its own submodules is how packages re-export; it is not a cycle.
    modules = {m for m in graph.modules}
    for m in modules:
        for child in graph.find_children(m):
            if graph.direct_import_exists(importer=m, imported=child):
                graph.remove_import(importer=m, imported=child)
    cycles = strongly_connected(graph, modules)
    for group in cycles:
        print("import cycle: " + " <-> ".join(group))
    print(f"{len(cycles)} import cycle(s) among {len(modules)} modules of {package}")
    missing = unlayered(graph, package)
    for name in missing:
        print(f"{name} is in no layer of [tool.importlinter]: give it one (docs/architecture.md)")
    return 1 if cycles or missing else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
