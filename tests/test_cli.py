"""The ``redeck`` command as a user runs it: exit codes, output format, defaults, no tracebacks."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile

import pytest
from click.testing import CliRunner

import redeck.compile
from conftest import BASIC_FILE
from redeck.cli import cli

PROBLEM_LINE = r"^[^:\n]+:\d+:\d+: (error|warning): .+ \[[a-z-]+\]$"


@pytest.fixture
def run(tree, monkeypatch):
    """Run ``redeck ARGS`` from the project root, as a user in their checkout does."""
    monkeypatch.chdir(tree.root)

    def invoke(*args: str):
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return invoke


def test_build_writes_the_default_package_from_cards(tree, run):
    tree.write("systems/replication.yaml", BASIC_FILE)
    result = run("build")
    assert result.exit_code == 0, result.output
    package = tree.root / "build" / "research-engineering.apkg"
    assert zipfile.is_zipfile(package)
    assert "3 notes, 3 cards" in result.stderr
    assert (tree.cards / "redeck.lock").is_file()


def test_second_build_reports_unchanged(tree, run):
    tree.write("systems/replication.yaml", BASIC_FILE)
    run("build")
    result = run("build")
    assert result.exit_code == 0
    assert "unchanged" in result.stderr and "0 new or edited" in result.stderr


def test_jobs_choose_the_processes_and_not_the_package(tree, run):
    tree.write("systems/replication.yaml", BASIC_FILE)
    tree.write("systems/more.yaml", BASIC_FILE.replace("id: repl-", "id: more-"))
    outputs = {}
    for jobs in ("1", "2"):
        result = run("build", "--jobs", jobs, "-o", f"build/j{jobs}.apkg")
        assert result.exit_code == 0 and "6 notes" in result.stderr, result.output
        outputs[jobs] = (tree.root / "build" / f"j{jobs}.apkg").read_bytes()
        assert run("check", "-j", jobs).exit_code == 0
    assert outputs["1"] == outputs["2"]


def test_a_worker_that_dies_is_one_line_not_a_hang(tree, run, monkeypatch):
    tree.write("systems/replication.yaml", BASIC_FILE)
    tree.write("systems/more.yaml", BASIC_FILE.replace("id: repl-", "id: more-"))
    monkeypatch.setattr(redeck.compile, "compile_file", lambda *args: os._exit(3))  # as if killed for memory
    result = run("build", "-j", "2")
    assert result.exit_code == 1
    assert result.stderr.strip() == "redeck: error: a worker process stopped (out of memory?); try again with -j 1"
    assert not (tree.root / "build" / "research-engineering.apkg").exists()


@pytest.mark.parametrize("args", [("elsewhere",), ("--cards", "elsewhere")])
def test_cards_folder_by_argument_or_option(tree, run, args):
    (tree.root / "elsewhere").mkdir()
    (tree.root / "elsewhere" / "r.yaml").write_text(BASIC_FILE)
    result = run("build", *args, "-o", "out/x.apkg")
    assert result.exit_code == 0, result.output
    assert (tree.root / "out" / "x.apkg").is_file()


def test_check_prints_every_problem_as_path_line_col(tree, run):
    tree.write("a.yaml", "deck: D\ncards: nope\n")
    tree.write("b.yaml", BASIC_FILE.replace("repl-lww-loses", "Bad Id"))
    result = run("check")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines == [
        "cards/a.yaml:2:8: error: 'cards' must be a list of cards, not text 'nope' [structure]",
        "cards/b.yaml:8:9: error: invalid id 'Bad Id': use lowercase letters, digits and hyphens,"
        " starting with a letter, at most 64 characters [id]",
    ]
    assert all(re.match(PROBLEM_LINE, line) for line in lines)
    assert "2 errors" in result.stderr
    assert "Traceback" not in result.output


def test_check_passes_with_warnings_unless_strict(tree, run):
    tree.write("t.yaml", BASIC_FILE.replace("source: DDIA (1st ed.), ch. 5\n", ""))
    relaxed = run("check")
    assert relaxed.exit_code == 0 and relaxed.stdout == ""
    strict = run("check", "--strict")
    assert strict.exit_code == 1
    assert strict.stdout.count("[missing-source]") == 3


def test_failed_build_exits_1_and_writes_nothing(tree, run):
    tree.write("t.yaml", BASIC_FILE + "  - id: broken\n")
    result = run("build")
    assert result.exit_code == 1
    assert "cards/t.yaml:14:5: error:" in result.stdout
    assert not (tree.root / "build" / "research-engineering.apkg").exists()
    assert not (tree.cards / "redeck.lock").exists()


@pytest.mark.parametrize(
    "args",
    [
        ("check", "missing-folder"),
        ("build", "--cards", "missing-folder"),
        ("check", "cards", "--cards", "cards"),
        ("check", "--no-such-option"),
        ("build", "-j", "0"),
        ("check", "--jobs", "many"),
        ("no-such-command",),
    ],
)
def test_usage_errors_exit_2(tree, run, args):
    result = run(*args)
    assert result.exit_code == 2
    assert "Usage:" in result.stderr


def test_missing_default_cards_folder_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["build"])
    assert result.exit_code == 2
    assert "folder 'cards' does not exist" in result.stderr


def test_unwritable_output_is_one_line_not_a_traceback(tree, run):
    tree.write("t.yaml", BASIC_FILE)
    (tree.root / "blocker").write_text("a file, not a folder")
    result = run("build", "-o", "blocker/deck.apkg")
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "error:" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", [[], ["check"], ["build"]])
def test_help_describes_each_command(run, command):
    result = run(*command, "--help")
    assert result.exit_code == 0
    group_or_command = cli.commands[command[0]] if command else cli
    summary = (group_or_command.help or "").strip().splitlines()[0]
    assert summary and summary in result.stdout
    if not command:
        assert all(name in result.stdout for name in cli.commands)


def test_version(run):
    assert run("--version").stdout.startswith("redeck, version ")


@pytest.mark.parametrize(
    ("args", "allowed"), [(["--help"], set()), (["check", "cards"], {"pyromark"}), (["check", "--help"], set())]
)
def test_check_and_help_do_not_import_the_heavy_parts(tree, args, allowed):
    """Start-up stays fast: --help imports nothing heavy; check renders (pyromark) but packages nothing."""
    tree.write("t.yaml", BASIC_FILE)
    code = (
        "import sys\nfrom redeck.cli import cli\n"
        f"try:\n    cli({args!r})\nexcept SystemExit:\n    pass\n"
        f"heavy = ({{'genanki', 'pyromark', 'pygments', 'anki', 'sqlite3'}} - {allowed!r}) & set(sys.modules)\n"
        "print(sorted(heavy))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run([sys.executable, "-c", code], cwd=tree.root, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
