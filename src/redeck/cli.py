"""The ``redeck`` command: a thin Click layer over the build and check pipeline."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from redeck import __version__
from redeck.model import RedeckError

if TYPE_CHECKING:
    from redeck.sync import Stale

DIRECTORY = click.Path(file_okay=False, path_type=Path)


package_output = click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=Path("build/research-engineering.apkg"),
    show_default=True, help="Package to write.",
)  # fmt: skip
worker_jobs = click.option(
    "-j", "--jobs", type=click.IntRange(min=1), default=None,
    help="Processes to compile with (default: one per core, up to 8, for trees large enough to gain from it).",
)  # fmt: skip
ids_folder = click.option(
    "--cards", "cards_dir", type=DIRECTORY, default=Path("cards"), show_default=True, help="Card folder, to keep ids unique."
)


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


class RedeckGroup(click.Group):
    """The command group, which reports every error in one line, exit status 1, never with a traceback.

    Library errors (`RedeckError`) carry their whole message; an output redeck refuses is a usage
    error of the option that named it (exit status 2). Output is flushed here too, so that a full disk
    or a closed pipe on standard output is reported like any other error.
    """

    def invoke(self, ctx: click.Context) -> Any:
        from redeck.output import OutputError

        try:
            try:
                return super().invoke(ctx)
            finally:
                sys.stdout.flush()
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise
        except OutputError as exc:
            param = OUTPUT_OPTIONS.get(ctx.invoked_subcommand or "", "-o/--output")
            raise click.BadParameter(f"{exc.where}: {exc.message}", param_hint=param) from exc
        except RedeckError as exc:
            message = str(exc)
            from redeck.compile import WorkerError

            if isinstance(exc, WorkerError):
                message += "; try again with -j 1"
            _fail(message)
        except OSError as exc:
            _fail(f"{exc.filename or 'redeck'}: error: {exc.strerror or exc}")
        except Exception as exc:  # a bug in redeck: still one line, unless debugging
            if os.environ.get("REDECK_DEBUG"):
                raise
            _fail(f"redeck: internal error: {type(exc).__name__}: {exc} (set REDECK_DEBUG=1 for details)")


# The option of each command that names the output redeck checks before writing.
OUTPUT_OPTIONS = {"build": "-o/--output", "watch": "-o/--output", "sync": "-o/--output", "preview": "-o/--output"}


def _fail(message: str) -> None:
    try:
        click.echo(message, err=True)
    finally:
        # Standard output may be the broken pipe or full disk itself: leave nothing for exit to flush.
        try:
            sys.stdout.flush()
        except OSError:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
    sys.exit(1)


@click.group(cls=RedeckGroup)
@click.version_option(__version__, prog_name="redeck")
def cli() -> None:
    """Compile flashcards written in YAML (cards/) into an Anki package (build/)."""


@cli.command()
@cards_location
@click.option("--strict", is_flag=True, help="Also run the card-quality lint; any warning fails.")
@worker_jobs
def check(cards: Path, strict: bool, jobs: int | None) -> None:
    """Check every card file without writing anything.

    Prints each problem as path:line:col: level: message [rule]; exits 1 on any error
    (or, with --strict, any warning).
    """
    from redeck.build import check_tree

    result = check_tree(cards, strict=strict, jobs=jobs)
    _print_problems(result.problems)
    failed = result.errors or (strict and result.warnings)
    counts = f"{plural(len(result.errors), 'error')}, {plural(len(result.warnings), 'warning')}"
    click.echo(f"{'✗' if failed else '✓'} {plural(result.cards, 'card')} in {plural(result.files, 'file')}: {counts}", err=True)
    sys.exit(1 if failed else 0)


@cli.command()
@cards_location
@package_output
@worker_jobs
def build(cards: Path, output: Path, jobs: int | None) -> None:
    """Check the cards and compile them into an Anki package.

    If any card has an error, neither the package nor the lock file is written; the previous package stays as it was.
    Re-importing the package into Anki updates edited notes in place and keeps their history.
    """
    from redeck.build import build as build_package

    result = build_package(cards, output, jobs=jobs)
    _print_problems(result.check.problems)
    if not result.ok:
        click.echo(f"✗ {plural(len(result.check.errors), 'error')}; {output} not written", err=True)
        sys.exit(1)
    state = "written" if result.written else "unchanged"
    click.echo(f"✓ {output} {state}: {result.notes} notes, {result.cards} cards, {len(result.changed)} new or edited", err=True)


@cli.command()
@cards_location
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts instead of tables.")
def stats(cards: Path, as_json: bool) -> None:
    """Count cards per deck, tag and kind; list cards without a source and the longest answers."""
    from redeck.build import run_pipeline
    from redeck.compile import Plan
    from redeck.stats import deck_stats

    run = run_pipeline(cards, Plan(keep_cards=True))
    result = run.check
    _print_problems(result.errors)
    report = deck_stats(run.cards)
    if as_json:
        import json

        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        from redeck.stats_table import print_tables

        print_tables(report)
    sys.exit(1 if result.errors else 0)


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--deck", required=True, help="Deck path, e.g. 'Research Engineering::Systems::Raft'.")
@ids_folder
def new(file: Path, deck: str, cards_dir: Path) -> None:
    """Create a card file FILE with a valid skeleton and a fresh unique id."""
    from redeck.check import check_deck
    from redeck.model import Position, Text
    from redeck.scaffold import create_card_file

    problems = list(check_deck(Text(deck, Position("--deck", 1, 1))))
    if problems:
        raise click.BadParameter(problems[0].message, param_hint="--deck")
    if file.suffix != ".yaml":
        raise click.BadParameter("card files end in .yaml", param_hint="FILE")
    if file.exists():
        raise click.BadParameter(f"'{file}' already exists", param_hint="FILE")
    card_id = create_card_file(file, deck, _taken_ids(cards_dir))
    click.echo(f"✓ {file} created with card '{card_id}'; fill in the TODOs", err=True)


@cli.command("new-id")
@click.argument("text", nargs=-1, required=True)
@ids_folder
def new_id(text: tuple[str, ...], cards_dir: Path) -> None:
    """Suggest an id for a card about TEXT that no card uses yet."""
    from redeck.scaffold import new_id as suggest

    click.echo(suggest(" ".join(text), _taken_ids(cards_dir)))


anki_connect_options = [
    click.option("--anki-connect", "connect_url", metavar="URL",
                 help="The running Anki, through the AnkiConnect add-on, e.g. http://127.0.0.1:8765."),
    click.option("--api-key", envvar="REDECK_ANKI_CONNECT_KEY", help="AnkiConnect's API key, if its config sets one."),
    click.option("--timeout", type=click.FloatRange(min=1), default=60, show_default=True,
                 help="Seconds to wait for each AnkiConnect request."),
]  # fmt: skip


def anki_connect(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add --anki-connect URL, --api-key and --timeout."""
    for option in reversed(anki_connect_options):
        command = option(command)
    return command


@cli.command()
@cards_location
@package_output
@anki_connect
def watch(cards: Path, output: Path, connect_url: str | None, api_key: str | None, timeout: float) -> None:
    """Rebuild the package on every change under the card folder (Ctrl-C to stop).

    A save with errors prints them and keeps the last good package. With --anki-connect, each good
    rebuild is also imported into the running Anki, as `redeck sync --anki-connect` would (no prune).
    """
    from redeck.watch import push_rebuild, rebuilds

    backend = None
    if connect_url is not None:
        from redeck.connect import ConnectBackend

        backend = ConnectBackend(connect_url, api_key, timeout)  # an Anki that does not answer stops here
    try:
        for rebuild in rebuilds(cards, output):
            _print_problems(rebuild.result.check.problems)
            took = f"{rebuild.seconds:.2f} s"
            if not rebuild.result.ok:
                click.echo(
                    f"✗ {plural(len(rebuild.result.check.errors), 'error')} in {took}; kept the last good {output}", err=True
                )
                continue
            state = "written" if rebuild.result.written else "unchanged"
            click.echo(f"✓ {output} {state} in {took}: {len(rebuild.result.changed)} new or edited", err=True)
            # The first build pushes even when the package is unchanged: Anki may not have it yet.
            if backend is not None and (rebuild.result.written or not rebuild.changed_paths):
                pushed = push_rebuild(backend, rebuild)
                if pushed.report is None:
                    click.echo(f"✗ not pushed: {pushed.error}", err=True)
                    continue
                _print_edits(pushed.report, "")
                click.echo(f"→ pushed {plural(pushed.notes, 'note')} to Anki in {pushed.seconds:.2f} s", err=True)
    except KeyboardInterrupt:
        pass
    finally:
        if backend is not None:
            backend.close()


@cli.command()
@cards_location
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), default=Path("build/preview"),
              show_default=True, help="Folder to write the site to.")  # fmt: skip
def preview(cards: Path, output: Path) -> None:
    """Write a static HTML site of the deck: one page per deck, search, answers on click.

    Open OUTPUT/index.html in a browser; it needs no server and no network.
    """
    from redeck.preview import build_preview

    result = build_preview(cards, output)
    _print_problems(result.check.problems)
    if not result.ok:
        click.echo(f"✗ {plural(len(result.check.errors), 'error')}; {output} not written", err=True)
        sys.exit(1)
    click.echo(f"✓ {output / 'index.html'}: {plural(len(result.pages) - 1, 'deck page')}", err=True)


@cli.command()
@cards_location
@click.option("--check", "only_check", is_flag=True, help="Change nothing; fail if a committed SVG is stale or missing.")
def figures(cards: Path, only_check: bool) -> None:
    """Draw every figure: run each NAME.figure.py in the card folder and write NAME.svg beside it.

    Only figures whose drawing changed are written. With --check, nothing is written and the exit
    status is 1 if any committed SVG is not what its script draws now. Needs: pip install 'redeck[figures]'.
    """
    from redeck.figures import draw_all, write
    from redeck.model import Problem

    drawn = draw_all(cards)
    problems = [f.problem for f in drawn if f.problem is not None]
    stale = [f for f in drawn if f.drawn is not None and f.stale]
    if only_check:
        problems += [Problem(str(f.svg), 1, 1, "error", "figure", f"{'missing' if not f.svg.exists() else 'stale'}: not what "
                             f"{f.script.name} draws now; run redeck figures") for f in stale]  # fmt: skip
    _print_problems(sorted(problems))
    if problems:
        click.echo(f"✗ {plural(len(drawn), 'figure')}: {plural(len(problems), 'error')}", err=True)
        sys.exit(1)
    written = [] if only_check else write(drawn)
    state = "all current" if only_check else f"{len(written)} written"
    click.echo(f"✓ {plural(len(drawn), 'figure')}: {state}", err=True)


@cli.command()
@click.option("--deck-file", is_flag=True, help="The schema of cards/redeck.yaml instead of a card file's.")
def schema(deck_file: bool) -> None:
    """Print the JSON Schema of a card file, for editors (see the README)."""
    import json

    from redeck.schema import card_file_schema, deck_file_schema

    click.echo(json.dumps(deck_file_schema() if deck_file else card_file_schema(), indent=2, ensure_ascii=False))


@cli.command()
@cards_location
@click.option(
    "--collection",
    "collection_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Anki collection file (collection.anki2 in your profile folder), written with Anki closed.",
)
@anki_connect
@click.option("--prune", "stale", flag_value="prune", help="Delete notes whose id is no longer in the cards.")
@click.option("--suspend", "stale", flag_value="suspend", help="Suspend them instead.")
@click.option("--dry-run", is_flag=True, help="Print what would change and change nothing.")
@click.option("--yes", is_flag=True, help="Confirm a prune that deletes more than a tenth of redeck's notes.")
@click.option("--prefer", type=click.Choice(["anki", "cards"]), default=None,
              help="For notes edited both in Anki and in the cards: keep Anki's copy, or write the card's.")  # fmt: skip
@package_output
def sync(cards: Path, collection_path: Path | None, connect_url: str | None, api_key: str | None, timeout: float,
         stale: Stale | None, dry_run: bool, yes: bool, prefer: str | None, output: Path) -> None:  # fmt: skip
    """Build, import into Anki, and make the changes an import cannot.

    Into a collection file with Anki closed (--collection), or into the running Anki through the
    AnkiConnect add-on (--anki-connect URL). Moves cards whose deck changed, puts new cards in study
    order and, with --prune or --suspend, handles notes deleted from the cards. Edits made in Anki are
    kept and reported. Only notes of redeck's note types are touched. Needs: pip install 'redeck[sync]'.
    """
    from redeck.sync import PruneTooLarge
    from redeck.sync import sync as run_sync

    opener, protected = _backend(collection_path, connect_url, api_key, timeout)
    try:
        report = run_sync(cards, opener, output, stale=stale or "keep", dry_run=dry_run, confirm_many=yes,
                          prefer=prefer or "ask", protected=protected)  # type: ignore[arg-type]  # fmt: skip
    except PruneTooLarge as exc:
        _fail(f"{exc}: run again with --yes to delete them")
    _print_problems(report.build.check.problems)
    if not report.build.ok:
        click.echo(f"✗ {plural(len(report.build.check.errors), 'error')}; collection not changed", err=True)
        sys.exit(1)
    would = "would " if dry_run else ""
    for move in report.moves:
        click.echo(f"{would}move {move.card_id}: {move.from_deck} → {move.to_deck}")
    verb = {"prune": "delete", "suspend": "suspend", "keep": "keep (not in cards/)"}[report.stale_action]
    for note in report.stale:
        click.echo(f"{would}{verb}: {note.front}")
    imported = f"{report.new} new" + ("" if dry_run else f", {report.updated} updated")
    _print_edits(report, would)
    if report.emptied:
        click.echo(f"removed {plural(report.emptied, 'empty card')} (a cloze that lost a deletion)")
    if report.empty_left:
        click.echo(
            f"{plural(report.empty_left, 'empty card')} left (a cloze that lost a deletion): remove with Tools → Check Empty Cards"
        )
    click.echo(f"{'dry run: nothing changed; ' if dry_run else '✓ '}{would}import {imported}, "
               f"{would}move {plural(len(report.moves), 'card')}, {len(report.stale)} stale", err=True)  # fmt: skip
    if report.conflicts:
        click.echo(f"✗ {plural(len(report.conflicts), 'conflict')}: Anki's copy kept; choose with --prefer anki or "
                   "--prefer cards, or bring Anki's edits home with redeck pull", err=True)  # fmt: skip
        sys.exit(1)


@cli.command()
@cards_location
@click.option("--collection", "collection_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Anki collection file (collection.anki2 in your profile folder), read with Anki closed.")  # fmt: skip
@anki_connect
@click.option("--dry-run", is_flag=True, help="Print the change to the card files as a diff, and change nothing.")
def pull(cards: Path, collection_path: Path | None, connect_url: str | None, api_key: str | None, timeout: float,
         dry_run: bool) -> None:  # fmt: skip
    """Write edits made in Anki back into the card files.

    From a collection file with Anki closed (--collection), or from the running Anki through the
    AnkiConnect add-on (--anki-connect URL). Each field edited in Anki since the last sync is turned
    back into Markdown and written over its value in the YAML; nothing else in the file changes. A
    field that would not render back exactly is refused, and then nothing is written. Needs: pip
    install 'redeck[sync]'.
    """
    from redeck.pull import pull as run_pull

    opener, _protected = _backend(collection_path, connect_url, api_key, timeout)
    report = run_pull(cards, opener, dry_run=dry_run)
    if dry_run and report.diff:
        click.echo(report.diff, nl=False)
    for card_id in report.conflicts:
        click.echo(f"conflict: {card_id} changed in Anki and in the cards: not pulled (see redeck sync --prefer)")
    fields = plural(len(report.pulled), "field")
    done = (
        f"dry run: nothing changed; would pull {fields}"
        if dry_run
        else f"✓ pulled {fields} into {plural(len(report.files), 'file')}"
    )
    click.echo(done + ("; run redeck build next" if report.pulled and not dry_run else ""), err=True)
    sys.exit(1 if report.conflicts else 0)


def _backend(
    collection_path: Path | None, connect_url: str | None, api_key: str | None, timeout: float
) -> tuple[Any, tuple[Path, ...]]:
    """How to open the back end the options name, and the paths a package must not be written over."""
    if (collection_path is None) == (connect_url is None):
        raise click.UsageError("give one of --collection PATH (Anki closed) or --anki-connect URL (Anki open)")
    if collection_path is not None:
        from redeck.collection import CollectionBackend, inspect_collection

        inspect_collection(collection_path)
        return (lambda: CollectionBackend(collection_path)), (collection_path,)
    from redeck.connect import ConnectBackend

    assert connect_url is not None
    return (lambda: ConnectBackend(connect_url, api_key, timeout)), ()


def _print_edits(report: Any, would: str) -> None:
    """One line per note whose copy in Anki and in the cards differ, saying what sync does with it."""
    for edit in report.edits:
        if edit.kind == "anki":
            action = "kept; redeck pull writes it into the cards"
            click.echo(f"edited in Anki: {edit.card_id} ({edit.diff()}): {would}{action}")
        elif edit.kind == "both":
            action = {"ask": "Anki's copy kept", "anki": "Anki's copy kept", "cards": "the card's copy written"}[report.prefer]
            click.echo(f"conflict: {edit.card_id} changed in Anki and in the cards ({edit.diff()}): {would}{action}")
        elif edit.anki_newer:
            action = "Anki's copy kept (--prefer anki)" if report.prefer == "anki" else "written directly"
            click.echo(f"changed in the cards: {edit.card_id}: Anki's copy is newer, so an import skips it: {would}{action}")


def _taken_ids(cards_dir: Path) -> set[str]:
    from redeck.load import load_tree

    if not cards_dir.is_dir():
        return set()
    cards, _problems = load_tree(cards_dir)
    return {card.id.value for card in cards}


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _print_problems(problems: list[Any]) -> None:
    for problem in problems:
        click.echo(str(problem))


def main() -> None:
    cli()
