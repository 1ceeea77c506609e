"""Stats tables: ``redeck stats`` for people, as rich tables on the terminal."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from redeck.stats import Stats


def print_tables(stats: Stats, console: Console | None = None) -> None:
    console = console or Console()
    console.print(f"[bold]{stats.notes}[/] notes, [bold]{stats.anki_cards}[/] Anki cards")
    for title, counts in (("Deck", stats.per_deck), ("Tag", stats.per_tag), ("Kind", stats.per_kind)):
        table = Table(title=f"Notes per {title.lower()}", title_justify="left")
        table.add_column(title)
        table.add_column("Notes", justify="right")
        for name, count in counts.items():
            table.add_row(name, str(count))
        console.print(table)
    table = Table(title="Longest answers", title_justify="left")
    for column, justify in (("Id", "left"), ("Characters", "right"), ("Where", "left")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for answer in stats.longest_answers:
        table.add_row(answer.id, str(answer.chars), answer.where)
    console.print(table)
    if stats.without_source:
        console.print(f"[yellow]{len(stats.without_source)} notes without a source:[/] " + ", ".join(stats.without_source))
    else:
        console.print("Every note has a source.")
