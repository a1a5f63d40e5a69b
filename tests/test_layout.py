"""The house's rooms and which way their imports may run (DESIGN's shape): data flows
one way, and no two top-level packages lean on each other."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

# Top-level package -> the packages (or single modules) it may import from.
ALLOWED: dict[str, set[str]] = {
    "wechat": set(),  # WeChat's protocol and nothing of ours
    "storage": set(),  # the record: imports nothing of the others
    "conversations": {"storage", "wechat"},
    # The words people are told live with the conversations (one place for every
    # word); notifications may read them and nothing else of conversations.
    "notifications": {"storage", "wechat", "conversations.texts"},
    "bot": {"conversations", "notifications", "storage", "wechat"},
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # "from conversations import texts" imports conversations.texts, no more.
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _arrows() -> dict[tuple[str, str], set[str]]:
    """(from package, imported name) -> the modules that import it, across packages."""
    found: dict[tuple[str, str], set[str]] = {}
    for package in ALLOWED:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for name in _imports(path):
                top = name.split(".")[0]
                if top in ALLOWED and top != package:
                    found.setdefault((package, name), set()).add(str(path.relative_to(ROOT)))
    return found


def test_imports_run_only_the_way_the_data_flows() -> None:
    wrong = sorted(
        f"{module} imports {name}"
        for (package, name), modules in _arrows().items()
        for module in modules
        if not any(name == ok or name.startswith(ok + ".") for ok in ALLOWED[package])
    )
    assert not wrong, "\n".join(wrong)


def test_the_wechat_package_stands_alone() -> None:
    """It is WeChat's protocol: anyone may use it, it uses nothing of ours."""
    assert not [name for (package, name) in _arrows() if package == "wechat"]
