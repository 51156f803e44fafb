"""The README says what the code does: its command table and watchlist key table list every
command and key there is, and nothing that is not."""

from __future__ import annotations

import re
from pathlib import Path

import click

from bot.config import Watchlist
from bot.core.views import status_report
from bot.interfaces.cli import main
from bot.store import Database

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = README.index(f"\n## {title}")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def _commands(group: click.Group, prefix: str = "") -> set[str]:
    names: set[str] = set()
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            names |= _commands(command, f"{prefix}{name} ")
        else:
            names.add(prefix + name)
    return names


def test_the_command_table_lists_every_cli_command_and_only_those():
    table = _section("Commands")
    documented = set()
    for row in re.findall(r"^\| `treatybot ([^`]+)`", table, re.MULTILINE):
        documented.add(" ".join(w for w in row.split() if re.fullmatch(r"[a-z]+", w)))
    assert documented == _commands(main)


def test_the_key_table_lists_every_watchlist_key_and_only_those():
    table = _section("Configuration: `watchlist.yaml`")
    documented = {key.split(".")[0] for key in re.findall(r"^\| `([a-z_.]+)` \|", table,
                                                          re.MULTILINE)}
    assert documented == set(Watchlist.model_fields)


def test_documented_status_json_fields_are_the_ones_written(tmp_path: Path):
    line = re.search(r"- `status --json`: (.+?)\n- ", _section("Commands"), re.DOTALL).group(1)
    top_level = re.sub(r"\([^)]*\)", "", line)  # the evidence fields are in parentheses
    documented = {name for pair in re.findall(r"`([a-z_]+)`(?:/`([a-z_]+)`)?", top_level)
                  for name in pair if name}
    db = Database(tmp_path / "state.db")
    try:
        written = set(status_report(db, "topic"))
    finally:
        db.close()
    assert documented == written


def test_the_architecture_section_shows_every_package_and_the_layering_rule():
    from test_layout import LAYERS

    section = _section("Architecture")
    root = Path(__file__).resolve().parent.parent / "bot"
    packages = sorted(p.name for p in root.iterdir() if (p / "__init__.py").exists())
    missing = [name for name in packages if f"  {name}/" not in section]
    assert not missing, f"README's Architecture tree lacks {missing}"
    rule = re.search(r"bottom to top: (.+?)\.\n", section, re.DOTALL).group(1)
    assert [w.strip() for w in rule.replace("\n", " ").split("→")] == LAYERS
    base = sorted(p.name for p in root.glob("*.py") if p.name not in ("__init__.py", "__main__.py"))
    assert all(name in section for name in base), "README's Architecture lacks a base module"


def test_every_source_path_the_readme_names_exists():
    root = Path(__file__).resolve().parent.parent
    named = set(re.findall(r"`((?:bot|tests|bench)/[\w/.-]+)`", README))
    missing = sorted(p for p in named if not (root / p).exists())
    assert not missing, f"README names files that do not exist: {missing}"
