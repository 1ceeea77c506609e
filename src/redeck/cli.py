"""The ``redeck`` command: a thin Click layer over the build and check pipeline."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from redeck import __version__

DIRECTORY = click.Path(file_okay=False, path_type=Path)


def cards_location(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add the card tree as ``--cards DIR`` or a positional ``[CARDS]`` (default ``cards``)."""

    @click.argument("cards_arg", metavar="[CARDS]", required=False, type=DIRECTORY)
    @click.option("--cards", "cards_opt", type=DIRECTORY, help="Folder of card files (default: cards).")
    @functools.wraps(command)
    def wrapper(cards_arg: Path | None, cards_opt: Path | None, **kwargs: Any) -> Any:
        if cards_arg and cards_opt:
            raise click.UsageError("give the card folder once: either CARDS or --cards")
        cards = cards_arg or cards_opt or Path("cards")
        if not cards.is_dir():
            raise click.BadParameter(f"folder '{cards}' does not exist", param_hint="CARDS")
        return command(cards=cards, **kwargs)

    return wrapper


def no_traceback(command: Callable[..., Any]) -> Callable[..., Any]:
    """Report file-system and unexpected errors in one line with exit status 1, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except OSError as exc:
            where = exc.filename or "redeck"
            click.echo(f"{where}: error: {exc.strerror or exc}", err=True)
            sys.exit(1)
        except Exception as exc:  # a bug in redeck: still one line, unless debugging
            if os.environ.get("REDECK_DEBUG"):
                raise
            click.echo(f"redeck: internal error: {type(exc).__name__}: {exc} (set REDECK_DEBUG=1 for details)", err=True)
            sys.exit(1)

    return wrapper


@click.group()
@click.version_option(__version__, prog_name="redeck")
def cli() -> None:
    """Compile flashcards written in YAML (cards/) into an Anki package (build/)."""


@cli.command()
@cards_location
@click.option("--strict", is_flag=True, help="Also run the card-quality lint; any warning fails.")
@no_traceback
def check(cards: Path, strict: bool) -> None:
    """Check every card file without writing anything.

    Prints each problem as path:line:col: level: message [rule]; exits 1 on any error
    (or, with --strict, any warning).
    """
    from redeck.build import check_tree

    result = check_tree(cards, strict=strict)
    _print_problems(result.problems)
    failed = result.errors or (strict and result.warnings)
    counts = f"{plural(len(result.errors), 'error')}, {plural(len(result.warnings), 'warning')}"
    click.echo(
        f"{'✗' if failed else '✓'} {plural(len(result.cards), 'card')} in {plural(result.files, 'file')}: {counts}", err=True
    )
    sys.exit(1 if failed else 0)


@cli.command()
@cards_location
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("build/research-engineering.apkg"),
    show_default=True,
    help="Package to write.",
)
@no_traceback
def build(cards: Path, output: Path) -> None:
    """Check the cards and compile them into an Anki package.

    Nothing is written if any card has an error; the previous package stays as it was.
    Re-importing the package into Anki updates edited notes in place and keeps their history.
    """
    from redeck.build import build as build_package

    result = build_package(cards, output)
    _print_problems(result.check.problems)
    if not result.ok:
        click.echo(f"✗ {plural(len(result.check.errors), 'error')}; {output} not written", err=True)
        sys.exit(1)
    state = "written" if result.written else "unchanged"
    click.echo(f"✓ {output} {state}: {result.notes} notes, {result.cards} cards, {len(result.changed)} new or edited", err=True)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _print_problems(problems: list[Any]) -> None:
    for problem in problems:
        click.echo(str(problem))


def main() -> None:
    cli()
