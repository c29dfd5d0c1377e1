"""User-caused errors end in one paragraph that names the fix, change nothing, no traceback."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from queuebench.store.engine import db_path, open_store


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "queuebench", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def assert_one_paragraph(stderr: str) -> None:
    assert "Traceback" not in stderr
    assert stderr.strip()
    assert "\n\n" not in stderr.strip()


def test_broken_config_names_the_line_and_changes_nothing(isolated_dirs: Path) -> None:
    cfg = isolated_dirs / "config" / "config.toml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text('[user]\nnames = ["Dana"\n')
    before = snapshot(isolated_dirs)
    for args in (("list",), ("show", "#1"), ()):
        result = run(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert_one_paragraph(result.stderr)
        assert "is not valid TOML" in result.stderr
        assert str(cfg) in result.stderr
    assert snapshot(isolated_dirs) == before
    assert not (isolated_dirs / "data").exists()


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('colour = "red"\n', "unknown setting `colour` (a typo?)"),
        ('[[views]]\nname = "Hot"\nfilter = "prio:P0"\n', "at `views[0]`: prio:P0 is not a"),
        ("[[views]]\nname = 3\n", "at `views[0].name`: Expected `str`, got `int`"),
        ('[user]\ntimezone = "Mars/Base"\n', "'Mars/Base' is not an IANA time zone"),
        ('[maps.jsm.status]\nEscalated = "urgent"\n', "status 'Escalated' maps to 'urgent'"),
    ],
)
def test_invalid_settings_name_the_place(isolated_dirs: Path, toml: str, message: str) -> None:
    cfg = isolated_dirs / "config" / "config.toml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text(toml)
    result = run("list")
    assert result.returncode == 2
    assert_one_paragraph(result.stderr)
    assert message in result.stderr


def test_unwritable_data_dir(isolated_dirs: Path) -> None:
    blocker = isolated_dirs / "not-a-dir"
    blocker.write_text("x")
    result = run(
        "demo", "--no-tui", "--tickets", "5", env={"QUEUEBENCH_DATA_DIR": str(blocker / "d")}
    )
    assert result.returncode == 2
    assert_one_paragraph(result.stderr)
    assert "set QUEUEBENCH_DATA_DIR to a directory you can write" in result.stderr.replace(
        "\n", " "
    )


def test_newer_database_is_refused_and_untouched(isolated_dirs: Path) -> None:
    data = isolated_dirs / "data"
    open_store(data).close()
    con = sqlite3.connect(db_path(data))
    con.execute("UPDATE alembic_version SET version_num = 'ffff'")
    con.commit()
    con.close()
    before = snapshot(data)
    for args in (("list",), ("show", "#1"), ()):
        result = run(*args)
        assert result.returncode == 2
        assert_one_paragraph(result.stderr)
        assert "newer version of queuebench" in result.stderr.replace("\n", " ")
    assert snapshot(data) == before


def test_list_without_a_cache_says_how_to_get_one(isolated_dirs: Path) -> None:
    result = run("list")
    assert result.returncode == 2
    assert "queuebench demo" in result.stderr
    assert not (isolated_dirs / "data").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("list", "--filter", "prio:urgent"), "use P1, P2, P3, P4 or none"),
        (("list", "--view", "Nope"), "There is no view named 'Nope'"),
        (("list", "--sort", "age"), "sort 'age' is unknown"),
        (("show", "#424242"), "No cached ticket has the key '#424242'"),
    ],
)
def test_bad_arguments(isolated_dirs: Path, args: tuple[str, ...], message: str) -> None:
    open_store(isolated_dirs / "data").close()
    result = run(*args)
    assert result.returncode == 2
    assert_one_paragraph(result.stderr)
    assert message in result.stderr.replace("\n", " ")


def test_headless_commands_never_import_textual(isolated_dirs: Path) -> None:
    open_store(isolated_dirs / "data").close()
    code = (
        "import sys\n"
        "from queuebench.cli import main\n"
        "for args in (['list', '--json'], ['doctor'], ['locate', 'data'], ['show', 'x']):\n"
        "    try:\n"
        "        main(args)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print('textual' in sys.modules, 'queuebench.app' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip().splitlines()[-1] == "False False"


def test_domain_store_and_config_import_without_textual() -> None:
    code = (
        "import sys\n"
        "import queuebench.domain.models, queuebench.domain.normalize, queuebench.domain.query\n"
        "import queuebench.domain.contract, queuebench.store.queries, queuebench.store.writes\n"
        "import queuebench.config, queuebench.doctor\n"
        "print(sorted(m for m in ('textual', 'httpx') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "[]", result.stderr


def test_doctor_reports_and_changes_nothing(isolated_dirs: Path) -> None:
    before = snapshot(isolated_dirs)
    result = run("doctor")
    assert "[ok  ] config:" in result.stdout
    assert "(will be created on first use)" in result.stdout
    assert "keyring" in result.stdout
    assert snapshot(isolated_dirs) == before
    assert not (isolated_dirs / "data").exists()


def test_doctor_flags_a_newer_schema(isolated_dirs: Path) -> None:
    data = isolated_dirs / "data"
    open_store(data).close()
    con = sqlite3.connect(db_path(data))
    con.execute("UPDATE alembic_version SET version_num = 'ffff'")
    con.commit()
    con.close()
    result = run("doctor")
    assert result.returncode == 1
    assert "[FAIL] schema: schema ffff is newer" in result.stdout
    assert "pip install -U queuebench" in result.stdout


def test_locate(isolated_dirs: Path) -> None:
    assert run("locate", "config").stdout.strip() == str(isolated_dirs / "config" / "config.toml")
    assert run("locate", "data").stdout.strip() == str(isolated_dirs / "data")
