"""Loading a jurisdiction data set (county -> townships -> villages) from a JSON file."""

from __future__ import annotations

import json
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from tortoise.transactions import in_transaction

from storage import catalog, grids
from storage.models import ReplyTemplate, Township, Village

DEMO_DATA = "wuqiao.json"
DEMO_TEMPLATES = "reply_templates.json"


def read_data_set(path: Path | None = None) -> dict[str, Any]:
    if path is None:
        text = resources.files("storage").joinpath("data", DEMO_DATA).read_text("utf-8")
    else:
        text = path.read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


async def load_if_empty(path: Path | None = None) -> bool:
    """Load the data set when no township exists yet. Returns whether it loaded."""
    if await Township.exists():
        return False
    data = read_data_set(path)
    async with in_transaction():
        for item in data["townships"]:
            township = await Township.create(
                code=item["code"], name=item["name"], county=data["county"]
            )
            for v_index, name in enumerate(item["villages"], start=1):
                await Village.create(
                    code=f"{item['code']}{v_index:03d}", name=name, township=township
                )
    return True


async def seed(now: datetime) -> list[str]:
    """Load the demo jurisdiction and service catalog where the database has none yet:
    what a fresh install runs on. Returns the names of what was loaded."""
    loaded = []
    if await load_if_empty():
        loaded.append("jurisdiction")
        # Only on a fresh install: an upgraded county's own templates are its own.
        if await load_templates_if_empty(now):
            loaded.append("reply templates")
    if await catalog.load_demo_if_empty(now):
        loaded.append("catalog")
    if await grids.ensure_village_grids(now):
        loaded.append("grids")
    return loaded


async def load_templates_if_empty(now: datetime) -> bool:
    """A few reply templates (常用语) to start from, when there are none."""
    if await ReplyTemplate.exists():
        return False
    text = resources.files("storage").joinpath("data", DEMO_TEMPLATES).read_text("utf-8")
    await ReplyTemplate.bulk_create(
        [
            ReplyTemplate(
                title=t["title"], text=t["text"], kinds=t["kinds"], created_at=now, updated_at=now
            )
            for t in json.loads(text)
        ]
    )
    return True
