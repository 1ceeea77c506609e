"""The docs keep up with the code: every command and every rule is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from redeck.cli import cli
from redeck.lint import RULES

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CARD_FORMAT = (ROOT / "docs" / "card-format.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help_and_a_readme_section(command):
    assert re.search(rf"^### .*`redeck {command}`", README, re.M)
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0 and len(result.stdout.splitlines()) > 3


@pytest.mark.parametrize("rule", sorted(RULES))
def test_every_quality_rule_is_in_the_card_format_reference(rule):
    assert re.search(rf"^\| `{rule}` \|", CARD_FORMAT, re.M)


def test_readme_links_resolve():
    for target in re.findall(r"\]\(((?!https?:)[^)#]+)", README):
        assert (ROOT / target).exists(), target
