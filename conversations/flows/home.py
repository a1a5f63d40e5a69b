"""Who a person is to the conversation, decided in one place: the menu they land on, the
flows only some may be in, the main-menu items that can be chosen from anywhere, and
binding codes. The engine asks this and knows no flow by name."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from conversations import texts
from conversations.flow import Flow, Outcome, Question, StepContext, normalise
from conversations.flows import binding, grid_menu, grid_report, grid_visit, menu, route
from conversations.intents import Meaning
from conversations.services import Services
from wechat.messages import Inbound


@dataclass(frozen=True)
class Role:
    """A kind of person: the menu they land on, and the flows only they may be in."""

    menu: Flow
    question: Callable[[], Question]
    own: frozenset[str] = frozenset()
    # Said to someone found in one of ``own`` who no longer has the role.
    lost: str | None = None

    def menu_text(self, preface: str | None = None) -> str:
        return "\n".join(p for p in (preface, self.question().render()) if p)


RESIDENT = Role(menu.FLOW, menu.question)
WORKER = Role(
    grid_menu.FLOW,
    grid_menu.question,
    own=frozenset({grid_menu.FLOW.id, grid_report.FLOW.id, grid_visit.FLOW.id}),
    lost=texts.GRID_UNBOUND_NOTICE,
)


@dataclass(frozen=True)
class Home:
    """The answers the engine needs about people and menus."""

    resident: Role
    worker: Role
    # The flow whose items are chosen from anywhere (a click, an item's name said
    # inside another flow), and what choosing one does.
    chooser: Flow
    choose: Callable[[str], Outcome]
    # Normalised words, and custom-menu CLICK keys, to the item they choose.
    named: Mapping[str, str]
    clicked: Mapping[str, str]
    # Where something said outright leads, from wherever it is said (a StepContext of
    # ``chooser``'s).
    lead: Callable[[StepContext, Inbound, Meaning], Awaitable[Outcome]]

    @property
    def roles(self) -> tuple[Role, ...]:
        return (self.resident, self.worker)

    async def role(self, services: Services, appid: str, openid: str) -> Role:
        """A bound grid worker, or a resident."""
        worker = await services.grids.is_worker(appid, openid)
        return self.worker if worker else self.resident

    def is_menu(self, flow_id: str | None) -> bool:
        return any(flow_id == role.menu.id for role in self.roles)

    def reserved_for(self, flow_id: str | None) -> Role | None:
        """The role a flow is kept for, if it is kept for one."""
        return next((role for role in self.roles if flow_id in role.own), None)

    def item_named(self, said: str) -> str | None:
        return self.named.get(normalise(said))

    # Binding with a one-time code (conversations.flows.binding).

    def bind_code(self, text: str | None) -> str | None:
        return binding.code_in(text)

    def scene_code(self, services: Services, scene: str | None) -> str | None:
        """The code in the QR scene someone followed or scanned with, if it is one."""
        return services.grids.code_from_scene(scene)

    async def bind(self, services: Services, appid: str, openid: str, code: str) -> str:
        return await binding.bind(services, appid, openid, code)


def default_home() -> Home:
    return Home(
        resident=RESIDENT,
        worker=WORKER,
        chooser=menu.FLOW,
        choose=menu.choose,
        named={
            **{normalise(label): key for key, label in texts.MENU_ITEMS.items()},
            **{normalise(w): menu.RATE for w in texts.CMD_RATE},
        },
        clicked=menu.CLICK_KEYS,
        lead=route.lead,
    )
