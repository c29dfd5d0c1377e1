"""The README's configuration reference is the one generated from the settings model."""

from __future__ import annotations

from pathlib import Path

from queuebench.config import config_reference

ROOT = Path(__file__).resolve().parents[1]


def test_readme_config_reference_is_current() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert config_reference() in readme, (
        "README's configuration reference is stale: paste `python -m queuebench.config` output"
    )


def test_readme_commands_match_ci() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = next(line for line in ci.splitlines() if line.startswith("python3 -m venv"))
    assert test_command in readme
