"""Three SSTable segments, oldest to newest: dog has a value in the two older ones and a tombstone (†) in the newest; what the merge keeps for dog is left open (the card asks it)."""

from redeck.drawing import ACCENT, FILL, INK, MUTED, SECOND, arrow, box, card_number, diagram, label, save

first = card_number("store-tombstone-merge-discards", "back", 0)  # dog's value in the oldest segment
second = card_number("store-tombstone-merge-discards", "back", 1)  # dog's value in the middle segment
segments = [
    ("1: oldest", [("cat", "3"), ("dog", f"{first:g}")]),
    ("2", [("dog", f"{second:g}"), ("emu", "4")]),
    ("3: newest", [("bee", "1"), ("dog", "†")]),
]

ROW, KEY, VALUE = 8, 18, 13
fig, ax = diagram(100, 50)
for n, (title, rows) in enumerate(segments):
    x = 1 + n * 33.5
    label(ax, x + (KEY + VALUE) / 2, 46, title, color=MUTED)
    # dog's row last, so its blue outline is not drawn over by a neighbour's
    for i, (key, value) in sorted(enumerate(rows), key=lambda row: row[1][0] == "dog"):
        y = 42 - (i + 1) * ROW
        edge = ACCENT if key == "dog" else INK
        box(ax, x, y, KEY, ROW, key, edge=edge)
        box(ax, x + KEY, y, VALUE, ROW, value, fill="none", edge=edge,
            color=SECOND if value == "†" else INK, weight="bold" if value == "†" else "normal")  # fmt: skip
label(ax, 98, 19, "† = tombstone", color=SECOND, ha="right")
arrow(ax, (50, 14), (50, 7), color=MUTED)
label(ax, 50, 3, "merge all three:  dog → ?", weight="bold")
save(fig)
