"""Alice reads her two accounts while a committed transfer between them runs in between her two reads."""

from redeck.drawing import ACCENT, FILL, INK, MUTED, arrow, box, card_number, diagram, label, save

balance = card_number("txn-read-skew-bank-transfer", "front", 0)  # dollars in each account before the transfer
amount = card_number("txn-read-skew-bank-transfer", "front", 1)  # dollars moved from account 2 to account 1
fig, ax = diagram(100, 64)
alice, transfer, width, height = 16, 58, 38, 8
label(ax, alice + width / 2, 60, "Alice reads", weight="bold")
label(ax, transfer + width / 2, 60, "transfer txn", weight="bold")
steps = [  # (column, text) from top to bottom
    (alice, f"acct 1 → {balance:.0f}"),
    (transfer, f"acct 1 + {amount:.0f}"),
    (transfer, f"acct 2 − {amount:.0f}"),
    (transfer, "commit"),
    (alice, f"acct 2 → {balance - amount:.0f}"),
]
for row, (x, text) in enumerate(steps):
    reading = x == alice
    box(ax, x, 48 - row * 10, width, height, text, fill=FILL if reading else "none", edge=ACCENT if reading else INK)
arrow(ax, (4, 56), (4, 2), color=MUTED)
label(ax, 4, 60, "time", color=MUTED, ha="left")
save(fig)
