"""A live queue: server-sent events telling an open queue page that tickets it may show
have arrived, so a clerk sees a resident's message come in without reloading."""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot import keys
from bot.console.visits import COOKIE, signed_in
from bot.desk import tickets as desk
from bot.desk.fields import ID_MAX
from storage import staff

# A comment line this often keeps proxies from closing a quiet stream, and finds out
# when the browser has gone.
KEEP_ALIVE_SECONDS = 15.0


async def live(request: web.Request) -> web.StreamResponse:
    visit = await signed_in(request)
    given = request.query.get("after", "0")
    after = int(given) if given.isdigit() and len(given) < 20 else 0
    after = min(after, ID_MAX)
    app = request.app
    arrivals = app[keys.ARRIVALS]
    sessions = app[keys.CONSOLE_SESSIONS]
    stream = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",  # nginx passes each event on at once
        }
    )
    await stream.prepare(request)
    sid = request.cookies.get(COOKIE, "")
    seen = 0
    try:
        while not arrivals.stopping:
            newest = await arrivals.wait(seen, KEEP_ALIVE_SECONDS)
            # Still signed in (not expired, signed out or disabled)? The stream does not
            # count as using the console: an open page is not a person at the desk.
            session = await sessions.read(sid, app[keys.CLOCK](), touch=False)
            if session is None or await staff.active_member(session.staff_id) is None:
                await stream.write(b"event: signed-out\ndata: 1\n\n")
                break
            if newest > seen:
                seen = newest
                found = await desk.newest_visible(visit.member, after)
                if found is not None:
                    after = found
                    await stream.write(f"event: tickets\ndata: {found}\n\n".encode())
                    continue
            await stream.write(b": still here\n\n")
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    return stream
