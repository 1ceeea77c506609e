"""Two SSTable segments, older and newer, both holding `cat`, merged into one sorted segment; cat's merged value is left blank (the card asks it)."""

from redeck.drawing import ACCENT, FILL, INK, MUTED, SECOND, arrow, box, card_number, diagram, label, save

newest = card_number("store-sstable-merge-newest-value")  # the value of cat in the newer segment
older = [("apple", "3"), ("cat", "7"), ("dog", "2")]
newer = [("cat", f"{newest:g}"), ("emu", "4")]
merged = [("apple", "3"), ("cat", "?"), ("dog", "2"), ("emu", "4")]

ROW = 8
fig, ax = diagram(100, 84)


def segment(x: float, top: float, title: str, rows: list[tuple[str, str]], w: float = 38) -> None:
    label(ax, x + w / 2, top + 4, title, color=MUTED)
    # cat's rows last, so their blue outline is not drawn over by a neighbour's
    for i, (key, value) in sorted(enumerate(rows), key=lambda row: row[1][0] == "cat"):
        y = top - (i + 1) * ROW
        edge = ACCENT if key == "cat" else INK
        box(ax, x, y, w * 0.62, ROW, key, fill=FILL, edge=edge)
        box(ax, x + w * 0.62, y, w * 0.38, ROW, value, fill="none", edge=edge,
            color=SECOND if value == "?" else INK, weight="bold" if value == "?" else "normal")  # fmt: skip


segment(2, 76, "1: older", older)
segment(60, 76, "2: newer", newer)
arrow(ax, (21, 49), (38, 41))
arrow(ax, (79, 57), (62, 41))
segment(31, 33, "merged", merged)
save(fig)
