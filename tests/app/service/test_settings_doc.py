"""Every setting is documented in docs/settings.md (its variable and default), and its variable really sets it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.service.settings import Settings

DOC = Path(__file__).resolve().parents[3] / "docs" / "settings.md"
FIELDS = Settings.model_fields


def env_name(field: str) -> str:
    return f"BPTT_{field.upper()}"


def row(field: str) -> str:
    """The table row of docs/settings.md that starts with the setting's variable."""
    rows = [line for line in DOC.read_text().splitlines() if line.startswith(f"| `{env_name(field)}`")]
    assert len(rows) == 1, f"{env_name(field)} needs exactly one row in docs/settings.md"
    return rows[0]


@pytest.mark.parametrize("field", list(FIELDS))
def test_each_setting_has_a_row_with_its_default(field: str) -> None:
    default = FIELDS[field].default
    assert f"`{default}`" in row(field), f"the row of {env_name(field)} should give its default `{default}`"


def test_the_table_has_no_stale_rows() -> None:
    documented = {line.split("`")[1] for line in DOC.read_text().splitlines() if line.startswith("| `BPTT_")}
    assert documented == {env_name(f) for f in FIELDS}


def other_value(field: str) -> tuple[str, Any]:
    """A valid value different from the default, as the environment spells it and as the setting reads it."""
    default = FIELDS[field].default
    if isinstance(default, bool):
        return str(not default).lower(), not default
    if isinstance(default, int):
        return str(default + 1), default + 1
    if isinstance(default, float):
        return str(default * 2 + 1), default * 2 + 1
    return "https://example.org", "https://example.org"


@pytest.mark.parametrize("field", list(FIELDS))
def test_its_environment_variable_sets_it(field: str, monkeypatch: pytest.MonkeyPatch) -> None:
    text, value = other_value(field)
    monkeypatch.setenv(env_name(field), text)
    assert getattr(Settings(), field) == value
    monkeypatch.delenv(env_name(field))
    assert getattr(Settings(), field) == FIELDS[field].default


def test_an_app_built_from_the_environment_uses_its_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BPTT_MAX_REQUEST_SECONDS", "0.01")
    monkeypatch.setenv("BPTT_CACHE_MAX_BYTES", "12345")
    app = create_app(Settings())
    assert app.state.cache.max_bytes == 12345
    with TestClient(app) as c:
        r = c.get("/api/v1/lstm", params={"steps": 1000, "hidden": 256})
    assert r.status_code == 422
    assert "over the limit of 0.01 s" in r.json()["detail"][0]["message"]


def test_a_wrong_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BPTT_MAX_HEAVY", "0")
    with pytest.raises(ValueError, match="max_heavy"):
        Settings()
