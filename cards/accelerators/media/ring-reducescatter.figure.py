"""A unidirectional ring ReduceScatter over 4 devices, part-way: how many partial sums each chunk holds so far."""

from redeck.drawing import ACCENT, FILL, INK, arrow, box, diagram, label, save

DEVICES, STEPS_DONE = 4, 2
# counts[d][c]: how many devices' partial arrays chunk c on device d sums. Step s: device d sends its
# chunk (d - s) mod N to device d + 1, which adds it to its own copy of that chunk.
counts = [[1] * DEVICES for _ in range(DEVICES)]
for step in range(STEPS_DONE):
    sent = [(d, (d - step) % DEVICES, counts[d][(d - step) % DEVICES]) for d in range(DEVICES)]
    for d, chunk, count in sent:
        counts[(d + 1) % DEVICES][chunk] += count
fig, ax = diagram(100, 68)
for d in range(DEVICES):
    x = 4 + d * 24
    label(ax, x + 8, 64, f"d{d}", weight="bold")
    for c in range(DEVICES):
        shade = ACCENT if counts[d][c] == STEPS_DONE + 1 else FILL
        box(ax, x, 52 - c * 9, 16, 7, str(counts[d][c]), fill=shade, color="white" if shade == ACCENT else INK)
    if d < DEVICES - 1:
        arrow(ax, (x + 17, 56), (x + 23, 56))
arrow(ax, (84, 7), (16, 7), "d3 sends to d0", shift=(0, -4.5))
label(ax, 50, 19, "rows: chunks 0–3")
label(ax, 50, 13, "number: arrays summed")
save(fig)
