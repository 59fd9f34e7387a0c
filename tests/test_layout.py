"""The house's layout (DESIGN.md, "Layout"): arrows point down only.

Across layers: web/api → services → models/geo, and geo imports nothing of ours. Across the
service domains: each imports only those below it in DOMAINS. And no module reaches for a
private (`_x`) name of another domain's module."""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[1] / "app"

# The service domains from the ground up: a domain may import those before it.
DOMAINS = ("accounts", "city", "layers", "cameras", "field", "notify", "incidents", "register", "public", "planning", "loading",
           "live", "health")

# What each layer may import of ours (besides itself).
LAYERS = {
    "geo": set(),
    "models": {"geo", "config"},
    # messages: the catalogue services' refusals are worded from (keys, no Flask)
    "services": {"models", "geo", "config", "csvfile", "dates", "personal", "backups", "messages"},
}


@dataclass(frozen=True)
class Import:
    source: str        # the importing module, dotted
    target: str        # the imported module, dotted
    names: tuple[str, ...]
    line: int


def module_name(path: Path) -> str:
    parts = list(path.relative_to(APP.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def imports_of(path: Path) -> list[Import]:
    source = module_name(path)
    package = source if is_package(path) else source.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [Import(source, a.name, (), node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            found.append(Import(source, target, tuple(a.name for a in node.names), node.lineno))
    return found


def room(module: str) -> tuple[str, str | None]:
    """(layer, domain) of one of our modules: ('services', 'planning'), ('api', None)…"""
    parts = module.split(".")
    layer = parts[1] if len(parts) > 1 else ""
    domain = parts[2] if layer == "services" and len(parts) > 2 else None
    return layer, domain


def is_module(dotted: str) -> bool:
    path = APP.parent / dotted.replace(".", "/")
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


ALL = sorted(APP.rglob("*.py"))
ALL_IMPORTS = [i for path in ALL for i in imports_of(path)]


def test_every_service_module_lives_in_a_domain_package():
    loose = [p.name for p in (APP / "services").glob("*.py") if p.name != "__init__.py"]
    assert loose == []
    packages = sorted(p.name for p in (APP / "services").iterdir() if (p / "__init__.py").exists())
    assert packages == sorted(DOMAINS)
    for name in DOMAINS:
        assert ast.get_docstring(ast.parse((APP / "services" / name / "__init__.py").read_text())), name


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_a_layer_imports_only_what_lies_below_it(layer):
    wrong = []
    for i in ALL_IMPORTS:
        if room(i.source)[0] != layer:
            continue
        if i.target.split(".")[0] == "flask":
            wrong.append(f"{i.source}:{i.line} imports flask")
        # `from ... import csvfile` names its module among the names
        targets = [i.target] + [f"{i.target}.{n}" for n in i.names if is_module(f"{i.target}.{n}")]
        for target in targets:
            if target.startswith("app."):
                target_layer = room(target)[0]
                if target_layer != layer and target_layer not in LAYERS[layer]:
                    wrong.append(f"{i.source}:{i.line} imports {target}")
    assert wrong == []


def test_service_domains_import_only_the_domains_below_them():
    wrong = []
    for i in ALL_IMPORTS:
        layer, domain = room(i.source)
        if layer != "services" or domain is None:
            continue
        targets = [i.target] + [f"{i.target}.{n}" for n in i.names if is_module(f"{i.target}.{n}")]
        for target in targets:
            target_layer, target_domain = room(target)
            if target_layer == "services" and target_domain and target_domain != domain:
                if DOMAINS.index(target_domain) > DOMAINS.index(domain):
                    wrong.append(f"{i.source}:{i.line} ({domain}) imports {target} ({target_domain}, above it)")
    assert wrong == []


def test_no_module_reaches_for_another_domains_private_names():
    wrong = []
    for path in ALL:
        source = module_name(path)
        mine = room(source)
        bound_modules = {}      # a name in this file → the module of ours it is bound to
        for i in imports_of(path):
            if not i.target.startswith("app"):
                continue
            for name in i.names:
                if is_module(f"{i.target}.{name}"):
                    bound_modules[name] = f"{i.target}.{name}"
                elif name.startswith("_") and not name.startswith("__") and room(i.target) != mine:
                    wrong.append(f"{source}:{i.line} imports {i.target}.{name}")
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if (isinstance(node, ast.ImportFrom) and node.names):
                for a in node.names:
                    if a.asname and a.name in bound_modules:
                        bound_modules[a.asname] = bound_modules.pop(a.name)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in bound_modules and node.attr.startswith("_")
                    and not node.attr.startswith("__")
                    and room(bound_modules[node.value.id]) != mine):
                wrong.append(f"{source}:{node.lineno} reads {bound_modules[node.value.id]}.{node.attr}")
    assert wrong == []
