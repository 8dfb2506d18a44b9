"""The layers hold: one module talks to the Hub's client, and nothing imports a layer above its own."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "hfjobs_spec"
# Lowest first: a module may import its own layer and those before it, never one after it.
LAYERS = ("base", "manifest", "hub", "reconcile", "output", "commands", "cli", "github")
BASE = {"errors", "labels", "flavors", "masking", "schedules", "stages", "volumes", "network", "__init__"}
CLIENT_PACKAGES = ("huggingface_hub", "httpx2", "httpx")


def layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) < 2 or parts[0] != "hfjobs_spec":
        return ""
    if parts[1] == "__main__":
        return "cli"  # the entry point sits on top
    return "base" if parts[1] in BASE else parts[1]


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def modules() -> dict[str, set[str]]:
    result = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        result[".".join(relative.parts)] = imports(path)
    return result


def test_only_the_hub_adapter_imports_the_client_or_its_http_stack() -> None:
    users = {name for name, imported in modules().items()
             if any(module.split(".")[0] in CLIENT_PACKAGES for module in imported)}
    assert users == {"hfjobs_spec.hub.hfapi"}


def test_no_module_imports_a_layer_above_its_own() -> None:
    upward = []
    for name, imported in modules().items():
        own = layer(name)
        if own not in LAYERS:
            continue  # localhub stands apart (checked below)
        for module in imported:
            target = layer(module)
            if target in LAYERS and LAYERS.index(target) > LAYERS.index(own):
                upward.append(f"{name} -> {module}")
    assert upward == []


def test_localhub_is_self_contained() -> None:
    outside = sorted(f"{name} -> {module}" for name, imported in modules().items() if layer(name) == "localhub"
                     for module in imported if layer(module) not in ("", "localhub", "base"))
    assert outside == []
    users = sorted(name for name, imported in modules().items()
                   if layer(name) not in ("localhub", "commands", "cli")
                   and any(layer(module) == "localhub" for module in imported))
    assert users == []  # only the wiring (commands, cli) starts the embedded Hub
