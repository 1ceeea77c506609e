"""An AllToAll over 4 devices: each device's array is 4 blocks (letter: the device holding it, digit: its
position); device d ends up with block d of every device. The figure shows the input and leaves d2's result blank."""

from redeck.drawing import FILL, INK, MUTED, arrow, box, diagram, label, save

DEVICES, ASKED = 4, 2
fig, ax = diagram(100, 50)
for d in range(DEVICES):
    x = 3 + d * 12.5
    label(ax, x + 5.5, 45, f"d{d}", weight="bold")
    for b in range(DEVICES):
        box(ax, x, 35 - b * 8, 11, 6.5, f"{'ABCD'[d]}{b}", fill=FILL, color=INK)
arrow(ax, (55, 23), (70, 23), "AllToAll", shift=(0, 5))
label(ax, 83, 45, f"d{ASKED} after", weight="bold")
for b in range(DEVICES):
    box(ax, 77, 35 - b * 8, 12, 6.5, "?", fill="none", edge=MUTED, color=MUTED, dashed=True)
label(ax, 28, 3, "before", color=MUTED)
save(fig)
