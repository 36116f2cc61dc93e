"""Every test runs under an English locale unless it asks for another: the labels of the
outputs follow LC_ALL / LC_MESSAGES / LANG (zh when they start with zh)."""

import pytest


@pytest.fixture(autouse=True)
def english_locale(monkeypatch):
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
