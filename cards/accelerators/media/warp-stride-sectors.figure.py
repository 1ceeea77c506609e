"""Global memory as 32-byte segments of eight 4-byte words; a warp's load where thread t reads word 2t
(a stride of 2 words). Shaded words are the ones the threads read."""

from redeck.drawing import ACCENT, INK, MUTED, box, diagram, label, save

WARP, STRIDE, WORDS_PER_SEGMENT, ROWS = 32, 2, 8, 9
reader = {STRIDE * t: t for t in range(WARP)}  # word index -> thread reading it
CW, CH, GAP, X0 = 10, 6, 1.2, 12
fig, ax = diagram(100, 76)
label(ax, 52, 73, "each row: one 32-byte segment")
for row in range(ROWS):
    y = 64 - row * (CH + GAP)
    label(ax, 5, y + CH / 2, f"{row * 32}", color=MUTED)
    for w in range(WORDS_PER_SEGMENT):
        word = row * WORDS_PER_SEGMENT + w
        t = reader.get(word)
        box(ax, X0 + w * CW, y, CW, CH, f"t{t}" if t is not None else "", fill=ACCENT if t is not None else "none",
            edge=INK if t is not None else MUTED, color="white")
save(fig)
