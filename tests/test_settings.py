"""Settings: the file, environment overrides, and one clear line for a bad value."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings
from tests.conftest import ROOT


def test_environment_overrides_the_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TOWNSHIP_WECHAT__TIMESTAMP_WINDOW", "120")
    monkeypatch.setenv("TOWNSHIP_ACCOUNT__NAME", "桑园镇")
    monkeypatch.setenv("TOWNSHIP_DATA_DIR", str(tmp_path))
    settings = load_settings(ROOT / "settings.toml")
    assert settings.wechat.timestamp_window == 120
    assert settings.account.name == "桑园镇"
    assert settings.data_dir == tmp_path
    assert settings.wechat.mode == "safe"  # untouched keys keep the file's value


def test_sandbox_generates_secrets_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("TOWNSHIP_"):
            monkeypatch.delenv(name)
    first = load_settings(ROOT / "settings.toml", overrides={"data_dir": str(tmp_path)})
    again = load_settings(ROOT / "settings.toml", overrides={"data_dir": str(tmp_path)})
    assert first.wechat.token and first.wechat.aes_key and len(first.wechat.aes_key) == 43
    assert (first.wechat.token, first.wechat.aes_key) == (again.wechat.token, again.wechat.aes_key)
    assert oct((tmp_path / "sandbox-secrets.json").stat().st_mode & 0o777) == "0o600"


def test_outside_the_sandbox_a_missing_secret_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TOWNSHIP_WECHAT__TOKEN", raising=False)
    with pytest.raises(SettingsError, match=r"wechat\.token \(TOWNSHIP_WECHAT__TOKEN\)"):
        load_settings(
            ROOT / "settings.toml",
            overrides={"data_dir": str(tmp_path), "wechat": {"sandbox": False}},
        )


def test_a_bad_aes_key_is_named(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"wechat\.aes_key .*43-character"):
        load_settings(ROOT / "settings.toml", overrides={"wechat": {"aes_key": "short"}})


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"TOWNSHIP_HTTP__PORT": "eighty"}, "http.port (TOWNSHIP_HTTP__PORT)"),
        ({"TOWNSHIP_WECHAT__MODE": "secret"}, "wechat.mode (TOWNSHIP_WECHAT__MODE)"),
        (
            {"TOWNSHIP_CONVERSATION__SESSION_TIMEOUT_MINUTES": "0"},
            "conversation.session_timeout_minutes",
        ),
    ],
)
def test_a_bad_setting_stops_start_up_with_one_clear_line(
    tmp_path: Path, env: dict[str, str], named: str
) -> None:
    run_env = {k: v for k, v in os.environ.items() if not k.startswith("TOWNSHIP_")}
    run_env.update(env, TOWNSHIP_DATA_DIR=str(tmp_path))
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "serve"],
        cwd=ROOT,
        env=run_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0], proc.stderr
    assert lines[0].startswith("township: bad setting")


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"redis": {"url": "foo://x"}}, "redis.url"),
        ({"database": {"url": "mysql://x"}}, "database.url"),
        ({"wechat": {"api_base_url": "api.weixin.qq.com"}}, "wechat.api_base_url"),
        ({"conversation": {"dedupe_seconds": 300}}, "dedupe_seconds must exceed"),
        ({"http": {"host": "0.0.0.0"}}, "wechat.sandbox shows every pushed message"),
    ],
)
def test_settings_that_cannot_work_are_named(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    overrides: dict[str, dict[str, object]],
    named: str,
) -> None:
    for name in list(os.environ):
        if name.startswith("TOWNSHIP_"):
            monkeypatch.delenv(name)  # the environment would win over these values
    with pytest.raises(SettingsError, match=named):
        load_settings(ROOT / "settings.toml", overrides={"data_dir": str(tmp_path), **overrides})


def test_settings_toml_documents_every_setting_with_its_default() -> None:
    """The models hold the defaults; settings.toml shows each one (with its comment) and
    may not drift from them, nor leave a setting out. The custom menu is the exception:
    the file is where it is written."""
    import tomllib

    from bot.settings import Settings

    written = tomllib.loads((ROOT / "settings.toml").read_text("utf-8"))
    written.pop("menu")
    defaults = Settings.model_construct().model_dump(mode="json", by_alias=True)
    defaults.pop("menu")
    for section, fields in defaults.items():
        if not isinstance(fields, dict):
            assert Path(str(written.get(section))) == Path(str(fields)), section
            continue
        shown = written.get(section, {})
        for name, value in fields.items():
            if value is None:  # a secret: never in the file
                assert name not in shown, f"{section}.{name}"
                continue
            assert name in shown, f"{section}.{name} is missing from settings.toml"
            assert shown[name] == value, f"{section}.{name}: {shown[name]!r} != {value!r}"
        assert set(shown) <= set(fields), f"unknown keys in [{section}]"


@pytest.mark.parametrize(
    ("overrides", "said"),
    [
        ({"notices": {"channels": ["fax"]}}, "unknown channel 'fax'; choose from custom, "),
        ({"notices": {"channels": ["subscribe"]}}, "notices.subscribe_template_id is needed"),
        ({"tickets": {"channels": ["mass"]}}, "a ticket update goes to one person"),
        ({"tickets": {"channels": ["subscribe"]}}, "tickets cannot use the subscribe channel"),
        ({"tickets": {"template_id": ""}}, "tickets.template_id is needed"),
    ],
)
def test_channels_are_checked_against_those_that_exist(
    tmp_path: Path, overrides: dict[str, object], said: str
) -> None:
    """Which channels a kind of push may use, and the templates they need, are read
    from the channels themselves: a typo or a missing template stops start-up, named."""
    with pytest.raises(SettingsError, match=said.replace("(", r"\(")):
        load_settings(ROOT / "settings.toml", overrides={"data_dir": str(tmp_path), **overrides})
