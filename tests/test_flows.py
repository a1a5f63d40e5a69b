"""Every flow's declared transitions land: a misnamed step or flow fails here (or at
import), never in a resident's conversation."""

from __future__ import annotations

import ast
import importlib
import inspect
from collections.abc import Iterator
from enum import StrEnum
from types import ModuleType
from typing import Any

import pytest

from conversations.flow import Flow, Question, StartFlow, Step, StepContext
from conversations.flows import FlowRegistry, default_flows, menu
from conversations.flows.ids import FlowId
from wechat.messages import Inbound

REGISTRY = default_flows()
FLOWS = list(REGISTRY)


def _resolve(node: ast.expr, module: ModuleType) -> Any:
    """What a dotted name in a module stands for (``Steps.CONFIRM``, ``apply.Steps.X``);
    None for anything else (a call, a variable)."""
    if isinstance(node, ast.Name):
        return vars(module).get(node.id)
    if isinstance(node, ast.Attribute):
        owner = _resolve(node.value, module)
        return getattr(owner, node.attr, None) if owner is not None else None
    return None


# The sets step names are declared in (each flow module's Steps, shared ones' too).
NAME_SETS = {type(step.name) for flow in FLOWS for step in flow.steps}


def _step_name(value: Any) -> bool:
    return type(value) in NAME_SETS


def _modules(flow: Flow) -> set[str]:
    """The modules whose functions run this flow's steps."""
    return {fn.__module__ for step in flow.steps for fn in (step.ask, step.handle)}


def _start_flows(tree: ast.AST) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id == StartFlow.__name__:
                yield node


def _source(name: str) -> tuple[ModuleType, ast.AST]:
    module = importlib.import_module(name)
    return module, ast.parse(inspect.getsource(module))


def test_every_flow_id_is_registered_once_and_every_flow_has_a_declared_id() -> None:
    assert sorted(f.id for f in FLOWS) == sorted(FlowId)
    assert all(isinstance(f.id, FlowId) for f in FLOWS)


def test_every_step_a_flow_names_is_one_of_its_steps() -> None:
    """Next(...) with a name from a module that runs a flow's steps (or a step kept in its
    data for later, like 反映问题's restart) lands on a step of that flow."""
    checked = 0
    for flow in FLOWS:
        for name in _modules(flow):
            module, tree = _source(name)
            starts = {id(arg) for call in _start_flows(tree) for arg in ast.walk(call)}
            for node in ast.walk(tree):
                if not isinstance(node, ast.Attribute) or id(node) in starts:
                    continue
                value = _resolve(node, module)
                if _step_name(value):
                    assert flow.step(value) is not None, f"{name}: {value!r} not in {flow.id}"
                    checked += 1
    assert checked > 50  # the walk saw the flows' names, not nothing


def test_every_flow_a_flow_starts_exists_with_the_step_it_starts_at() -> None:
    checked = 0
    for flow in FLOWS:
        for name in _modules(flow) | {"conversations.flows.menu", "conversations.flows.route"}:
            module, tree = _source(name)
            for call in _start_flows(tree):
                target = _resolve(call.args[0], module)
                if target is None:  # a menu item's key: below
                    continue
                started = REGISTRY.get(target)
                assert started is not None, f"{name}: no flow {target!r}"
                for keyword in call.keywords:
                    if keyword.arg == "step":
                        step = _resolve(keyword.value, module)
                        # None: worked out from the data (a report's next missing
                        # answer), typed as that flow's Steps, so mypy checks it
                        if step is not None:
                            assert started.step(step) is not None, f"{name}: {step!r}"
                checked += 1
    assert checked >= 5


@pytest.mark.parametrize("key", [*menu.CLICK_KEYS.values(), *REGISTRY.home.named.values()])
def test_every_menu_item_starts_a_registered_flow(key: str) -> None:
    outcome = REGISTRY.home.choose(key)
    assert isinstance(outcome, StartFlow)
    target = REGISTRY.get(outcome.flow)
    assert target is not None
    assert outcome.step is None or target.step(outcome.step) is not None


def test_the_home_names_registered_flows() -> None:
    home = REGISTRY.home
    assert REGISTRY.get(home.chooser.id) is home.chooser
    for role in home.roles:
        assert REGISTRY.get(role.menu.id) is role.menu
        assert all(flow_id in REGISTRY for flow_id in role.own)


class _Names(StrEnum):
    ONE = "one"
    TWO = "two"


async def _ask(ctx: StepContext) -> Question:
    return Question("?")


async def _handle(ctx: StepContext, msg: Inbound) -> Any:
    return None


def test_a_flow_missing_a_step_it_names_or_naming_one_twice_fails_when_declared() -> None:
    with pytest.raises(ValueError, match="no step"):
        Flow(FlowId.MENU, 1, [Step(_Names.ONE, _ask, _handle)])
    with pytest.raises(ValueError, match="each once"):
        Flow(
            FlowId.MENU,
            1,
            [Step(_Names.ONE, _ask, _handle), Step(_Names.TWO, _ask, _handle)] * 2,
        )
    Flow(FlowId.MENU, 1, [Step(_Names.ONE, _ask, _handle), Step(_Names.TWO, _ask, _handle)])


def test_a_registry_of_a_few_flows_keeps_the_default_home() -> None:
    few = FlowRegistry([menu.FLOW])
    assert few.home.resident.menu is menu.FLOW and FlowId.MINE not in few
