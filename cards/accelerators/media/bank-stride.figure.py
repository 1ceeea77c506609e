"""Threads of one warp per shared-memory bank, when thread t reads 32-bit word 2t (a stride of 2 words)."""

from redeck.drawing import ACCENT, MUTED, new_figure, save

BANKS, STRIDE = 32, 2
hits = [0] * BANKS
for thread in range(32):
    hits[(STRIDE * thread) % BANKS] += 1
fig, ax = new_figure(height=2.2)
ax.bar(range(BANKS), hits, color=ACCENT, width=0.8)
ax.set_xticks([0, 8, 16, 24, 31])
ax.set_yticks(range(0, max(hits) + 2))
ax.set_xlabel("shared-memory bank")
ax.set_ylabel("threads")
ax.grid(True, axis="y", color=MUTED, alpha=0.3, linewidth=0.6)
save(fig)
