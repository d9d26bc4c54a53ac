"""Each setting is declared once (azkg.settings.ServiceSettings) and documented from there: the README's
table and `azkg serve --help` show its real default."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from azkg.settings import SERVICE_SETTINGS, Paths, ServiceSettings, child_settings, read_child_settings, settings_table
from tests.conftest import ROOT, run_cli

README = (ROOT / "README.md").read_text(encoding="utf-8")
OPTIONED = [s for s in SERVICE_SETTINGS if s.flag is not None]


@pytest.mark.parametrize("setting", SERVICE_SETTINGS, ids=[s.name for s in SERVICE_SETTINGS])
def test_setting_is_documented(setting) -> None:
    if setting.default is None or isinstance(setting.default, bool):  # 1 == True, so no dict look-up here
        default = {None: "none", True: "true", False: "false"}[setting.default]
    else:
        default = f"{setting.default:g}" if isinstance(setting.default, float) else str(setting.default)
    assert f"| {setting.name} | {setting.env} | {default} |" in README


def test_table_and_dataclass_agree() -> None:
    fields = {f.name: f.default for f in dataclasses.fields(ServiceSettings)}
    assert fields == {s.name: s.default for s in SERVICE_SETTINGS}


def test_readme_table_is_the_generated_one() -> None:
    """Edit a setting's help in azkg/settings.py, then paste settings_table() into the README."""
    start = README.index("<!-- generated from the fields of azkg.settings.ServiceSettings")
    end = README.index("<!-- end of the generated settings -->")
    assert README[start:end].split("\n", 1)[1] == settings_table()


def _serve_help() -> str:
    return re.sub(r"\s+", " ", run_cli("serve", "--help").output)  # click wraps lines where it likes


@pytest.mark.parametrize("setting", OPTIONED, ids=[s.name for s in OPTIONED])
def test_serve_help_shows_the_default_from_the_table(setting) -> None:
    shown = _serve_help()
    start = shown.index(f" {setting.flag} ")
    following = [shown.find(f" {other.flag} ", start + 1) for other in OPTIONED]
    end = min([at for at in following if at > start] or [len(shown)])
    assert f"({setting.env}; default {setting.default_text})" in shown[start:end]


def test_only_secrets_have_no_serve_option() -> None:
    assert [s.name for s in SERVICE_SETTINGS if s.flag is None] == ["update_token", "store_password", "store_token"]
    for secret in ("--update-token", "--store-password", "--store-token"):
        assert secret not in _serve_help()


def test_serve_option_is_checked_as_the_environment_is(monkeypatch: pytest.MonkeyPatch) -> None:
    def serving(*args: object, **kwargs: object) -> None:
        raise AssertionError("serve started with max_rows=0")

    monkeypatch.setattr("uvicorn.run", serving)  # were the check gone, the test would fail, not serve
    result = run_cli("serve", "--max-rows", "0")
    assert result.exit_code == 1 and "max_rows must be greater than 0 (got 0)" in result.output


def test_child_processes_get_the_settings_whole(tmp_path: Path) -> None:
    service = ServiceSettings(query_timeout=2.5, allow_service=True, update_token="t" * 16, trusted_hosts="a.org")
    handed = read_child_settings(child_settings(Paths(tmp_path), service, tmp_path / "store"))
    assert handed == (Paths(tmp_path), service, tmp_path / "store")
