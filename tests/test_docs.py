"""The docs keep up with the code: every command and every rule is documented."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from redeck.cli import cli
from redeck.lint import RULES

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CARD_FORMAT = (ROOT / "docs" / "card-format.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help_and_a_readme_section(command):
    """Click prints a usage line and the --help option for any command: what counts is what we wrote."""
    assert re.search(rf"^### .*`redeck {command}`", README, re.M)
    summary = (cli.commands[command].help or "").strip().splitlines()
    assert summary and len(summary[0]) > 20, f"{command} has no docstring to show"
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert " ".join(summary[0].split()) in " ".join(result.stdout.split())
    for param in cli.commands[command].params:
        if isinstance(param, click.Option) and param.name != "help":
            assert param.help, f"{command} {param.opts[0]} has no help text"
            assert param.opts[-1] in result.stdout


@pytest.mark.parametrize("rule", sorted(RULES))
def test_every_quality_rule_is_in_the_card_format_reference(rule):
    assert re.search(rf"^\| `{rule}` \|", CARD_FORMAT, re.M)


def test_readme_links_resolve():
    for target in re.findall(r"\]\(((?!https?:)[^)#]+)", README):
        assert (ROOT / target).exists(), target
