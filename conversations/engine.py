"""The engine: one conversation step per inbound message.

The caller holds the person's lock for the whole call; the engine loads the session,
applies global commands or the current step, and saves the session before returning.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import structlog

from conversations import texts
from conversations.flow import (
    Finish,
    Flow,
    Invalid,
    Next,
    Outcome,
    StartFlow,
    Step,
    StepContext,
    normalise,
)
from conversations.flows import FlowRegistry
from conversations.flows.details import Steps as Details
from conversations.flows.home import Role
from conversations.flows.ids import FlowId
from conversations.intents import Intent, Meaning
from conversations.services import Services
from conversations.session import HISTORY_LIMIT, Session
from wechat.messages import (
    ClickEvent,
    Event,
    Inbound,
    Kind,
    ScanEvent,
    SubscribeEvent,
    UnknownMessage,
    UnsubscribeEvent,
)

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Reply:
    """A passive text reply. ``None`` from the engine means: answer nothing ("success")."""

    text: str


_COMMANDS: dict[str, str] = {
    **{normalise(w): "menu" for w in texts.CMD_MENU},
    **{normalise(w): "cancel" for w in texts.CMD_CANCEL},
    **{normalise(w): "back" for w in texts.CMD_BACK},
    **{normalise(w): "help" for w in texts.CMD_HELP},
    **{normalise(w): "human" for w in texts.CMD_HUMAN},
}

_HELP_CLICK = "MENU_HELP"

_SMALL_TALK = {Intent.GREETING: texts.GREETING_REPLY, Intent.THANKS: texts.THANKS_REPLY}
# Said mid-flow, these are the global commands of the same name.
_AS_COMMAND = {Intent.HELP: "help", Intent.HUMAN: "human"}
# Steps asking for a person's details on the way to a request: 我的 said there ("俺搬家了")
# is about what is being asked, and leaving would drop the request unsaid.
_REGISTERING = frozenset(map(str, Details))


def _join(*parts: str | None) -> str:
    return "\n".join(p for p in parts if p)


def _kinds(msg: Inbound) -> set[Kind]:
    kinds = {msg.kind}
    if msg.text is not None:
        kinds.add(Kind.TEXT)
    return kinds


class SessionIO(Protocol):
    """Loads and saves one person's session; see conversations.session."""

    async def load(self, appid: str, openid: str) -> tuple[Session, bool]: ...

    async def save(
        self, appid: str, openid: str, session: Session, loaded_revision: int
    ) -> None: ...


class Engine:
    """Runs conversation steps. Holds no per-person state: that lives in the session."""

    def __init__(
        self,
        *,
        flows: FlowRegistry,
        services: Services,
        session_timeout: timedelta,
        max_attempts: int,
        clock: Callable[[], datetime],
    ) -> None:
        self.flows = flows
        self.services = services
        self.session_timeout = session_timeout
        self.max_attempts = max_attempts
        self.clock = clock

    async def step(self, msg: Inbound, sessions: SessionIO) -> Reply | None:
        """Handle one message. Call with the person's lock held; ``sessions`` loads and
        saves their session (the caller may batch those round trips with others)."""
        return await _Exchange(self, sessions).run(msg)


class _Exchange:
    """One message and its answer: the engine's rules applied to one person's session."""

    def __init__(self, engine: Engine, sessions: SessionIO) -> None:
        self._flows = engine.flows
        self._home = engine.flows.home
        self._sessions = sessions
        self._services = engine.services
        self._timeout = engine.session_timeout
        self._max_attempts = engine.max_attempts
        self._clock = engine.clock
        # Who the person is, asked once per message (binding happens before the first
        # ask, so a fresh binding shows the grid worker's menu at once).
        self._role: Role | None = None
        # The conversation came back from its database draft (Redis had lost it).
        self._restored = False
        # The person was in the middle of something: a draft may be kept.
        self._drafted = False

    # Entry point -----------------------------------------------------------------

    async def run(self, msg: Inbound) -> Reply | None:
        if isinstance(msg, Event):
            return await self._event(msg)
        session, loaded, preface = await self._load(msg)
        reply = await self._reply(msg, session, loaded, preface)
        if self._restored and preface is None:
            return Reply(_join(texts.CONVERSATION_RESTORED, reply.text))
        return reply

    async def _reply(
        self, msg: Inbound, session: Session, loaded: int, preface: str | None
    ) -> Reply:
        if isinstance(msg, UnknownMessage):
            return await self._to_menu(msg, loaded, _join(preface, texts.UNSUPPORTED))
        code = self._home.bind_code(msg.text)
        if code is not None:  # 绑定 <code>, from wherever they are
            words = await self._bind(msg, code)
            return await self._to_menu(msg, loaded, _join(preface, words))
        command = _COMMANDS.get(normalise(msg.text)) if msg.text else None
        if command is not None:
            return await self._command(command, msg, session, loaded, preface)
        if preface is not None:
            # The old conversation ended under them: say so and show the menu rather than
            # reading this answer as an answer to a question they can no longer see.
            return await self._to_menu(msg, loaded, preface)
        if not session.active:
            session = self._begin((await self._who(msg)).menu)
        return await self._answer(msg, session, loaded)

    async def _answer(self, msg: Inbound, session: Session, loaded: int) -> Reply:
        """The current step's answer to the message, or the plain words it was instead."""
        flow = self._flows.get(session.flow)
        assert flow is not None  # _load guarantees a known flow for an active session
        step = flow.step(session.step)
        assert step is not None
        outcome = await self._handle(msg, session, flow, step)
        if isinstance(outcome, Invalid) and msg.text:
            instead = await self._instead(msg, session, flow, loaded)
            if instead is not None:
                return instead
        return await self._apply(outcome, msg, flow, step, session, loaded)

    async def _instead(
        self, msg: Inbound, session: Session, flow: Flow, loaded: int
    ) -> Reply | None:
        """Words the step could not use may still be plain: a greeting, thanks, a main-menu
        item named from inside a flow ("我的" on a 我的 screen), or something said outright
        ("我要投诉" deep in the 办事 browser: conversations.intents). Not in a grid worker's
        own flows, whose words are the report's."""
        assert msg.text is not None
        said = normalise(msg.text)
        at_menu = self._home.is_menu(flow.id)
        item = self._home.item_named(said)
        if item is not None and not at_menu:
            return await self._menu_choice(item, msg, loaded)
        meaning = self._services.reader.read(msg.text)
        if meaning.intent in _SMALL_TALK:
            if flow.hold:
                return None
            return await self._to_menu(msg, loaded, _SMALL_TALK[meaning.intent])
        if at_menu or not meaning.explicit or self._home.reserved_for(flow.id) is not None:
            return None
        if meaning.intent is Intent.MINE and session.step in _REGISTERING:
            return None  # "俺搬家了" asked where they live: an answer to be asked again
        if meaning.intent is Intent.FEEDBACK and not meaning.story and flow.id == FlowId.FEEDBACK:
            return None  # "我要投诉" while telling one: the question again, not a fresh start
        if meaning.intent in _AS_COMMAND:
            return await self._command(_AS_COMMAND[meaning.intent], msg, session, loaded, None)
        if meaning.intent in (Intent.SERVICE, Intent.PROGRESS):
            # read again with the catalog: the service named ("我的低保批下来没")
            items = await self._services.catalog.active_items()
            meaning = self._services.reader.read(msg.text, items)
        return await self._understood(meaning, msg, loaded)

    async def _understood(self, meaning: Meaning, msg: Inbound, loaded: int) -> Reply:
        """Go where a meaning leads (conversations.flows.route), from wherever they are."""
        chooser = self._home.chooser
        fresh = self._begin(chooser)
        context = StepContext(msg.appid, msg.openid, fresh.data, self._services, chooser)
        outcome = await self._home.lead(context, msg, meaning)
        return await self._apply(outcome, msg, chooser, chooser.first, fresh, loaded)

    async def _handle(self, msg: Inbound, session: Session, flow: Flow, step: Step) -> Outcome:
        if (
            Kind.TEXT in step.accepts
            and Kind.VOICE not in step.accepts
            and msg.kind is Kind.VOICE
            and msg.text is None
        ):
            return Invalid(texts.VOICE_NOT_RECOGNISED)
        if not (_kinds(msg) & step.accepts):
            at_menu = self._home.is_menu(flow.id)
            return Invalid(texts.MENU_NEEDS_WORDS if at_menu else texts.NEED_TEXT)
        return await step.handle(self._context(msg, session, flow), msg)

    async def _menu_choice(self, key: str, msg: Inbound, loaded: int) -> Reply:
        """Choose a main-menu item from wherever the person is (a click, its name)."""
        chooser = self._home.chooser
        fresh = self._begin(chooser)
        outcome = self._home.choose(key)
        return await self._apply(outcome, msg, chooser, chooser.first, fresh, loaded)

    # Sessions --------------------------------------------------------------------

    async def _load(self, msg: Inbound) -> tuple[Session, int, str | None]:
        """The session, the revision it was loaded at, and why it was reset (if it was)."""
        session, unreadable = await self._sessions.load(msg.appid, msg.openid)
        loaded = session.revision
        if self._services.recovering() and not unreadable:
            session = await self._restore(msg, session)
        self._drafted = self._worth_a_draft(session)
        if unreadable:
            log.warning("session unreadable; cleared", openid=msg.openid)
            return Session(revision=loaded), loaded, texts.FLOW_CHANGED
        if not session.active:
            return session, loaded, None
        flow = self._flows.get(session.flow)
        # A step renamed since (a deploy that forgot to bump the version) may be the
        # current one or one that 返回 would go back to.
        named = [session.step, *(step for step, _ in session.history)]
        if (
            flow is None
            or flow.version != session.version
            or any(flow.step(name) is None for name in named)
        ):
            log.info(
                "session from another flow version; cleared",
                flow=session.flow,
                version=session.version,
            )
            return Session(revision=loaded), loaded, texts.FLOW_CHANGED
        owner = self._home.reserved_for(session.flow)
        if owner is not None and await self._who(msg) is not owner:
            # the role was taken away since (a worker unbound by staff): out at once
            return Session(revision=loaded), loaded, owner.lost
        idle = self._clock().timestamp() - session.updated_at
        if idle > self._timeout.total_seconds():
            was_menu = self._home.is_menu(session.flow)
            minutes = int(self._timeout.total_seconds() // 60)
            note = None if was_menu else texts.SESSION_EXPIRED.format(minutes=minutes)
            return Session(revision=loaded), loaded, note
        return session, loaded, None

    async def _restore(self, msg: Inbound, session: Session) -> Session:
        """The person's draft instead of the session, when Redis lost the session or
        holds an older one (a restart a second behind): what they typed is not lost, and
        their answer is not read as the answer to a question asked before."""
        since = self._clock() - self._timeout
        draft = await self._services.drafts.find(msg.appid, msg.openid, since)
        if draft is None or (session.active and session.revision >= draft.revision):
            return session
        kept = Session.from_json(draft.session)
        if kept is None:
            return session
        log.info("conversation restored from its draft", openid=msg.openid)
        self._restored = True
        kept.revision = session.revision  # saved over what Redis holds now
        return kept

    async def _keep_draft(self, msg: Inbound, session: Session) -> None:
        """Mid-flow, the session goes to the database too, before the answer goes out;
        a finished conversation's draft goes."""
        if self._worth_a_draft(session):
            await self._services.drafts.keep(
                msg.appid, msg.openid, session.revision, session.to_json(), self._clock()
            )
        elif self._drafted:
            await self._services.drafts.drop(msg.appid, msg.openid)

    def _worth_a_draft(self, session: Session) -> bool:
        """In a flow with something the person said or chose so far; a menu, or a screen
        only looked at (我的), has nothing to lose."""
        return session.active and bool(session.data) and not self._home.is_menu(session.flow)

    def _begin(self, flow: Flow) -> Session:
        now = self._clock().timestamp()
        return Session(
            flow=flow.id,
            version=flow.version,
            step=flow.first.name,
            started_at=now,
            updated_at=now,
        )

    async def _save(self, msg: Inbound, session: Session, loaded: int) -> None:
        session.revision = loaded + 1
        session.updated_at = self._clock().timestamp()
        await self._sessions.save(msg.appid, msg.openid, session, loaded)
        await self._keep_draft(msg, session)

    def _context(self, msg: Inbound, session: Session, flow: Flow) -> StepContext:
        return StepContext(msg.appid, msg.openid, session.data, self._services, flow)

    async def _question(self, msg: Inbound, session: Session) -> str:
        flow = self._flows.get(session.flow)
        step = flow.step(session.step) if flow else None
        if flow is None or step is None:
            return await self._menu_text(msg, None)
        question = await step.ask(self._context(msg, session, flow))
        return question.render()

    async def _to_menu(self, msg: Inbound, loaded: int, preface: str | None) -> Reply:
        await self._save(msg, Session(), loaded)
        return Reply(await self._menu_text(msg, preface))

    async def _who(self, msg: Inbound) -> Role:
        """Who the person is (conversations.flows.home), asked once per message."""
        if self._role is None:
            self._role = await self._home.role(self._services, msg.appid, msg.openid)
        return self._role

    async def _bind(self, msg: Inbound, code: str) -> str:
        """Try a binding code; which menu is theirs may change with it."""
        words = await self._home.bind(self._services, msg.appid, msg.openid, code)
        self._role = None
        return words

    async def _menu_text(self, msg: Inbound, preface: str | None) -> str:
        return (await self._who(msg)).menu_text(preface)

    # Outcomes --------------------------------------------------------------------

    async def _apply(
        self,
        outcome: Outcome,
        msg: Inbound,
        flow: Flow,
        step: Step,
        session: Session,
        loaded: int,
    ) -> Reply:
        if isinstance(outcome, Invalid):
            session.attempts += 1
            question = await self._question(msg, session)
            extra = texts.TOO_MANY_MISSES if session.attempts >= self._max_attempts else None
            await self._save(msg, session, loaded)
            return Reply(_join(outcome.reason, question, extra))
        if isinstance(outcome, Next):
            return await self._next(outcome, msg, flow, step, session, loaded)
        if isinstance(outcome, StartFlow):
            return await self._start(outcome, msg, loaded)
        assert isinstance(outcome, Finish)
        await self._save(msg, Session(), loaded)
        return Reply(await self._menu_text(msg, outcome.text) if outcome.menu else outcome.text)

    async def _next(
        self, outcome: Next, msg: Inbound, flow: Flow, step: Step, session: Session, loaded: int
    ) -> Reply:
        if flow.step(outcome.step) is None:
            raise LookupError(f"no step {outcome.step!r} in flow {flow.id!r}")
        session.history.append((step.name, dict(session.data)))
        del session.history[:-HISTORY_LIMIT]
        session.data.update(outcome.data)
        session.step = outcome.step
        session.attempts = 0
        question = await self._question(msg, session)
        await self._save(msg, session, loaded)
        return Reply(_join(outcome.note, question))

    async def _start(self, outcome: StartFlow, msg: Inbound, loaded: int) -> Reply:
        target = self._flows.get(outcome.flow)
        if target is None:
            raise LookupError(f"no flow {outcome.flow!r}")
        fresh = self._begin(target)
        if outcome.step is not None:
            if target.step(outcome.step) is None:
                raise LookupError(f"no step {outcome.step!r} in flow {outcome.flow!r}")
            fresh.step = outcome.step
        fresh.data.update(outcome.data)
        question = await self._question(msg, fresh)
        await self._save(msg, fresh, loaded)
        return Reply(_join(outcome.note, question))

    # Global commands -------------------------------------------------------------

    async def _command(
        self, command: str, msg: Inbound, session: Session, loaded: int, preface: str | None
    ) -> Reply:
        in_flow = session.active and not self._home.is_menu(session.flow)
        if command == "menu":
            return await self._to_menu(msg, loaded, preface)
        if command == "cancel":
            said = texts.CANCELLED if in_flow else texts.NOTHING_TO_CANCEL
            return await self._to_menu(msg, loaded, _join(preface, said))
        if command == "back":
            return await self._back(msg, session, loaded, preface, in_flow)
        words = texts.HELP if command == "help" else self._how_to_reach_a_person()
        if in_flow:
            flow = self._flows.get(session.flow)
            extra = flow.help if flow and command == "help" else None
            question = await self._question(msg, session)
            await self._save(msg, session, loaded)
            return Reply(_join(preface, words, extra, texts.CONTINUE_HINT, question))
        return await self._to_menu(msg, loaded, _join(preface, words))

    async def _back(
        self, msg: Inbound, session: Session, loaded: int, preface: str | None, in_flow: bool
    ) -> Reply:
        if not in_flow:
            return await self._to_menu(msg, loaded, _join(preface, texts.BACK_AT_START))
        if not session.history:
            return await self._to_menu(msg, loaded, preface)
        session.step, session.data = session.history.pop()
        session.attempts = 0
        question = await self._question(msg, session)
        await self._save(msg, session, loaded)
        return Reply(question)

    def _how_to_reach_a_person(self) -> str:
        account = self._services.account
        return texts.HUMAN.format(
            account=account.name, hotline=account.hotline, office_hours=account.office_hours
        )

    # Events ----------------------------------------------------------------------

    async def _event(self, msg: Event) -> Reply | None:
        if isinstance(msg, SubscribeEvent):
            return await self._followed(msg)
        if isinstance(msg, UnsubscribeEvent):
            await self._services.residents.record_unsubscribe(
                msg.appid, msg.openid, self._clock(), texts.REASON_NOT_FOLLOWING
            )
            _, loaded, _ = await self._load(msg)
            await self._save(msg, Session(), loaded)
            return None
        if isinstance(msg, ClickEvent):
            return await self._click(msg)
        if isinstance(msg, ScanEvent):
            # An existing follower scanned one of our QR codes: bind them if it was a
            # binding code, and greet them with the menu.
            _, loaded, _ = await self._load(msg)
            code = self._home.scene_code(self._services, msg.scene)
            words = await self._bind(msg, code) if code else None
            return await self._to_menu(msg, loaded, words)
        # Location reports, menu views, picture/scan/location pickers and delivery receipts
        # (notifications.receipts) carry no question to answer.
        return None

    async def _followed(self, msg: SubscribeEvent) -> Reply:
        account = self._services.account
        new = await self._services.residents.record_subscribe(
            msg.appid,
            msg.openid,
            self._clock(),
            msg.scene,
            township=account.township,
            default_areas=texts.DEFAULT_NOTICE_AREAS,
        )
        _, loaded, _ = await self._load(msg)
        welcome = texts.WELCOME.format(account=account.name)
        if new:
            place = account.township or account.name
            welcome = _join(welcome, texts.FOLLOW_SUBSCRIBED.format(place=place))
        code = self._home.scene_code(self._services, msg.scene)
        if code is not None:  # followed by scanning a binding code
            welcome = _join(welcome, await self._bind(msg, code))
        return await self._to_menu(msg, loaded, welcome)

    async def _click(self, msg: ClickEvent) -> Reply:
        session, loaded, preface = await self._load(msg)
        if msg.key == _HELP_CLICK:
            return await self._command("help", msg, session, loaded, preface)
        choice = self._home.clicked.get(msg.key)
        if choice is None:
            return await self._to_menu(msg, loaded, _join(preface, texts.UNSUPPORTED))
        return await self._menu_choice(choice, msg, loaded)
