"""The `township` command."""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
from pathlib import Path
from typing import Any

from bot.settings import Settings, SettingsError, StartupError, load_settings, required


def _settings(args: argparse.Namespace) -> Settings:
    try:
        return load_settings(args.settings)
    except SettingsError as exc:
        print(f"township: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def _serve(args: argparse.Namespace) -> int:
    from aiohttp import web

    from bot import logs
    from bot.app import access_logger, create_app

    settings = _settings(args)
    logs.configure(settings.logging.level, settings.logging.json_lines)
    app = create_app(settings)
    app.on_startup.append(_freeze_heap)  # runs after every cleanup_ctx resource is open
    ready = (
        f"township-desk serving {settings.account.name} on http://{settings.http.host}:"
        f"{settings.http.port}/wechat (data in {settings.data_dir.resolve()}"
        f"{', WeChat sandbox on' if settings.wechat.sandbox else ''})"
    )
    try:
        web.run_app(
            app,
            loop=_event_loop(settings.http.event_loop),
            host=settings.http.host,
            port=settings.http.port,
            # Said once the port is really ours, not before.
            print=lambda _: print(ready, flush=True),
            access_log_class=access_logger(settings.logging),
        )
    except SettingsError as exc:  # found by a part as it opened
        print(f"township: {exc}", file=sys.stderr)
        return 2
    except StartupError as exc:
        print(f"township: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(
            f"township: cannot listen on {settings.http.host}:{settings.http.port} "
            f"({exc.strerror or exc}); choose another with http.port "
            "(TOWNSHIP_HTTP__PORT)",
            file=sys.stderr,
        )
        return 1
    return 0


def _event_loop(name: str) -> asyncio.AbstractEventLoop:
    if name == "uvloop":
        import uvloop

        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


async def _freeze_heap(app: object) -> None:
    """Move everything built at start-up out of the garbage collector's sight.

    The long-lived heap (ORM models, settings, flows) otherwise gets walked again and
    again by full collections: in bench/webhook.py that was the difference between a
    p99 of about 95 ms and about 60 ms. A server process, so a process-wide setting.
    """
    gc.collect()
    gc.freeze()


def _menu_body(settings: Settings) -> dict[str, Any]:
    def button(b: Any) -> dict[str, Any]:
        out: dict[str, Any] = {"name": b.name}
        if b.sub_buttons:
            out["sub_button"] = [button(s) for s in b.sub_buttons]
        else:
            out["type"] = b.type or "click"
            if out["type"] == "view":
                out["url"] = b.url
            else:
                out["key"] = b.key
        return out

    return {"button": [button(b) for b in settings.menu.buttons]}


def _menu_publish(args: argparse.Namespace) -> int:
    import aiohttp

    from bot import logs
    from storage.redis import open_redis
    from wechat.client import WeChatAPI, WeChatError, WeChatUnavailable

    settings = _settings(args)
    logs.configure("warning", settings.logging.json_lines)
    body = _menu_body(settings)
    if not body["button"]:
        print("township: settings.toml has no [[menu.buttons]]", file=sys.stderr)
        return 2

    async def publish() -> int:
        wx = settings.wechat
        base = settings.wechat_api_base_url
        async with (
            open_redis(settings.redis.url, settings.data_dir) as redis,
            aiohttp.ClientSession() as http,
        ):
            api = WeChatAPI(
                http,
                redis,
                appid=wx.appid,
                secret=required(wx.secret, "wechat.secret"),
                base_url=base,
                timeout=wx.api_timeout,
                attempts=wx.api_attempts,
            )
            try:
                await api.create_menu(body)
            except WeChatError as exc:
                print(
                    f"township: WeChat refused the menu: errcode {exc.errcode} {exc.errmsg}",
                    file=sys.stderr,
                )
                return 1
            except WeChatUnavailable as exc:
                print(f"township: WeChat's API is unreachable: {exc}", file=sys.stderr)
                return 1
        names = ", ".join(b["name"] for b in body["button"])
        where = " (to the local sandbox, not WeChat)" if wx.sandbox else ""
        print(f"menu published{where}: {names}")
        return 0

    return asyncio.run(publish())


def _staff_add(args: argparse.Namespace) -> int:
    import getpass

    from storage import demo, staff
    from storage.clock import beijing_now
    from storage.db import open_database, use

    settings = _settings(args)
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            print("township: the two passwords differ", file=sys.stderr)
            return 2
    else:
        print(
            "township: give the password on standard input with --password-stdin", file=sys.stderr
        )
        return 2

    async def add() -> int:
        settings.data_dir.mkdir(parents=True, exist_ok=True)

        async def prepare() -> None:
            await demo.seed(beijing_now())

        async with open_database(settings.database_url, prepare=prepare) as ctx:
            with use(ctx):
                try:
                    member = await staff.add(
                        args.username, args.role, password, args.township, args.unit
                    )
                except staff.StaffError as exc:
                    print(f"township: {exc}", file=sys.stderr)
                    return 2
        where = f" for {args.township or args.unit}" if args.township or args.unit else ""
        print(f"staff account {member.username} added ({member.role}{where})")
        return 0

    return asyncio.run(add())


def _catalog_import(args: argparse.Namespace) -> int:
    from conversations import texts
    from storage import catalog, demo
    from storage.clock import beijing_now
    from storage.db import open_database, use

    settings = _settings(args)
    try:
        text = Path(args.file).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"township: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    try:
        items = catalog.parse(text)
    except catalog.CatalogRejected as exc:
        for p in exc.problems:
            words = texts.CATALOG_PROBLEMS[p.kind].format(
                line=p.line, field=p.field, detail=p.detail
            )
            print(f"{args.file}:{p.line}: {words}", file=sys.stderr)
        print(texts.CATALOG_NOTHING_LOADED.format(count=len(exc.problems)), file=sys.stderr)
        return 2

    async def load() -> catalog.Loaded:
        settings.data_dir.mkdir(parents=True, exist_ok=True)

        async def prepare() -> None:
            await demo.load_if_empty()  # the jurisdiction only: this file is the catalog

        async with open_database(settings.database_url, prepare=prepare) as ctx:
            with use(ctx):
                return await catalog.load(items, beijing_now())

    done = asyncio.run(load())
    print(
        texts.CATALOG_LOADED.format(
            count=len(items), added=done.added, updated=done.updated, retired=done.retired
        )
    )
    return 0


def _scoreboard_rebuild(args: argparse.Namespace) -> int:
    from tortoise.transactions import in_transaction

    from conversations import texts
    from storage import ticket_facts
    from storage.db import open_database, use
    from storage.models import TicketFacts

    settings = _settings(args)

    async def rebuild() -> int:
        async with open_database(settings.database_url) as ctx:
            with use(ctx):
                async with in_transaction() as tx:
                    await ticket_facts.rebuild(tx)
                return await TicketFacts.all().count()

    print(texts.SCOREBOARD_REBUILT.format(count=asyncio.run(rebuild())))
    return 0


def _chat(args: argparse.Namespace) -> int:
    from bot.chat import run_chat

    return run_chat(_settings(args), args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="township", description="township-desk")
    parser.add_argument(
        "--settings",
        type=Path,
        default=Path("settings.toml"),
        help="settings file (default: ./settings.toml); TOWNSHIP_* variables override it",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the service")
    serve.set_defaults(run=_serve)

    chat = sub.add_parser("chat", help="talk to the running service as WeChat would")
    from bot.chat import add_arguments

    add_arguments(chat)
    chat.set_defaults(run=_chat)

    menu = sub.add_parser("menu", help="the account's custom menu")
    menu_sub = menu.add_subparsers(dest="menu_command", required=True)
    publish = menu_sub.add_parser("publish", help="build the menu from settings.toml")
    publish.set_defaults(run=_menu_publish)

    from storage.staff import ROLES

    staff = sub.add_parser("staff", help="staff accounts for the staff API")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True)
    add = staff_sub.add_parser("add", help="create a staff account")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--township", help="the township they work for (name or code)")
    add.add_argument("--unit", help="a department handler's responsible unit (责任单位)")
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    add.set_defaults(run=_staff_add)

    cat = sub.add_parser("catalog", help="the service catalog (公共服务事项目录清单)")
    cat_sub = cat.add_subparsers(dest="catalog_command", required=True)
    load = cat_sub.add_parser(
        "import", help="check a catalog file (JSON Lines) and load it whole, or nothing of it"
    )
    load.add_argument("file")
    load.set_defaults(run=_catalog_import)

    board = sub.add_parser("scoreboard", help="the scoreboard (考核)")
    board_sub = board.add_subparsers(dest="scoreboard_command", required=True)
    rebuild = board_sub.add_parser(
        "rebuild",
        help="make every ticket's scoreboard facts again from its events (after loading "
        "events by hand; the service keeps them as it writes)",
    )
    rebuild.set_defaults(run=_scoreboard_rebuild)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.run(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
