"""Reply templates (常用语) over the staff API: county admins add, edit and retire them;
staff see those for the kind of ticket in hand, never the retired ones."""

from __future__ import annotations

from bot import keys
from storage.db import use
from storage.models import ReplyTemplate
from tests.conftest import Desk
from tests.test_notices import login
from tests.test_staff_accounts import audited, call

ONLY_COMPLAINTS = {
    "title": "已派人查看",
    "text": "您好，您反映的问题我们已经派人到现场查看，处理好后会告诉您。",
    "kinds": ["complaint"],
}
EVERY_KIND = {"title": "请稍等", "text": "您好，您的事情正在办理，请耐心等待。"}


def titles(answer: dict[str, list[dict[str, str]]]) -> list[str]:
    return [t["title"] for t in answer["templates"]]


async def test_a_template_is_offered_for_its_kind_of_ticket_until_retired(desk: Desk) -> None:
    county = await login(desk, "county", "county_admin")
    township = await login(desk)
    status, narrow = await call(desk, "POST", "/reply-templates", county, ONLY_COMPLAINTS)
    assert status == 201 and narrow["kind_names"] == ["投诉"], narrow
    status, broad = await call(desk, "POST", "/reply-templates", county, EVERY_KIND)
    assert status == 201 and broad["kinds"] == [] and broad["updated_by"] == "county"

    status, for_complaint = await call(desk, "GET", "/reply-templates?kind=complaint", township)
    assert status == 200
    assert {"已派人查看", "请稍等"} <= set(titles(for_complaint))
    status, for_service = await call(desk, "GET", "/reply-templates?kind=service", township)
    assert "请稍等" in titles(for_service) and "已派人查看" not in titles(for_service)
    # The demo data's own: one for applications only, none for complaints only.
    assert "请补材料" in titles(for_service) and "请补材料" not in titles(for_complaint)

    edited = {
        **ONLY_COMPLAINTS,
        "text": "您好，工作人员今天下午到现场查看。",
        "kinds": ["complaint", "help"],
    }
    status, shown = await call(desk, "PUT", f"/reply-templates/{narrow['id']}", county, edited)
    assert status == 200 and shown["text"] == edited["text"]
    status, for_help = await call(desk, "GET", "/reply-templates?kind=help", township)
    assert "已派人查看" in titles(for_help)

    status, retired = await call(desk, "POST", f"/reply-templates/{narrow['id']}/retire", county)
    assert status == 200 and retired["active"] is False
    status, after = await call(desk, "GET", "/reply-templates?kind=complaint", township)
    assert "已派人查看" not in titles(after) and "请稍等" in titles(after)
    # County admins may still see it; nobody else.
    status, everything = await call(desk, "GET", "/reply-templates?retired=true", county)
    assert "已派人查看" in titles(everything)
    assert (await call(desk, "GET", "/reply-templates?retired=true", township))[0] == 403
    assert [a for _, a, _ in await audited(desk)] == [
        "template_added",
        "template_added",
        "template_edited",
        "template_retired",
    ]


async def test_only_county_admins_change_templates_and_bad_ones_change_nothing(
    desk: Desk,
) -> None:
    county = await login(desk, "county", "county_admin")
    township = await login(desk)
    with use(desk.app[keys.DATABASE]):
        before = await ReplyTemplate.all().count()
        first = await ReplyTemplate.all().order_by("id").first()
    assert first is not None
    for method, path, body in [
        ("POST", "/reply-templates", EVERY_KIND),
        ("PUT", f"/reply-templates/{first.id}", EVERY_KIND),
        ("POST", f"/reply-templates/{first.id}/retire", None),
    ]:
        status, answer = await call(desk, method, path, township, body)
        assert status == 403 and answer["error"] == "您的角色不能做这件事", (path, answer)
    wrong: list[tuple[dict[str, object], str, str]] = [
        ({**EVERY_KIND, "text": "   "}, "text", "text 不能为空"),
        ({"text": "您好"}, "title", "缺少 title"),
        ({**EVERY_KIND, "kinds": ["parking"]}, "kinds", "kinds 的值不对：应为工单类型的列表"),
        ({**EVERY_KIND, "title": "长" * 33}, "title", "title 太长（最多 32 字）"),
    ]
    for wrong_body, field, words in wrong:
        status, answer = await call(desk, "POST", "/reply-templates", county, wrong_body)
        assert status == 400 and answer["field"] == field, answer
        assert answer["error"].startswith(words), answer
    status, answer = await call(desk, "PUT", "/reply-templates/99999", county, EVERY_KIND)
    assert status == 404 and answer["error"] == "没有这条常用语"
    with use(desk.app[keys.DATABASE]):
        assert await ReplyTemplate.all().count() == before
        assert await ReplyTemplate.filter(active=False).count() == 0
    assert await audited(desk) == []
