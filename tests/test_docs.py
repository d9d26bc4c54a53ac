"""The README documents every setting with its real default."""

from __future__ import annotations

import dataclasses

import pytest

from azkg.settings import SERVICE_SETTINGS, ServiceSettings
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


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
