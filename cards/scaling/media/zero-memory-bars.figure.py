"""Per-GPU model-state memory of a 7.5B-parameter model at 64-way data parallelism (ZeRO's Figure 1 example):
plain DP against ZeRO stage 2, stacked by kind (fp16 parameters, fp16 gradients, fp32 optimizer state)."""

from redeck.drawing import ACCENT, FILL, INK, MUTED, SECOND, card_number, new_figure, save

PSI = card_number("par-zero-7b5-stage1", "front", 0) * 1e9  # "a 7.5B-parameter model"
ND = card_number("par-zero-7b5-stage1", "front", 2)  # "at 64-way data parallelism" (number 1 is the stage)
PARAM, GRAD, OPT = (card_number("par-zero-16-bytes-per-param", "back", n) for n in range(3))  # 2, 2, 12 bytes
GB = 1e9
bars = {  # bytes per GPU of each kind: plain DP replicates all; stage 2 shards gradients and optimizer state
    "DP": (PARAM * PSI, GRAD * PSI, OPT * PSI),
    "?": (PARAM * PSI, GRAD * PSI / ND, OPT * PSI / ND),
}
fig, ax = new_figure(height=2.0)
kinds = [("params", ACCENT), ("grads", SECOND), ("optimizer", FILL)]
for y, (name, sizes) in enumerate(reversed(bars.items())):
    left = 0.0
    for (kind, colour), size in zip(kinds, sizes):
        ax.barh(y, size / GB, left=left, color=colour, edgecolor=INK, linewidth=0.8, height=0.6,
                label=kind if y == 0 else None)
        left += size / GB
ax.set_yticks(range(len(bars)), list(reversed(bars)))
ax.set_xlim(0, 125)
ax.set_xticks([0, 30, 60, 90, 120])
ax.set_xlabel("GB per GPU")
ax.grid(True, axis="x", color=MUTED, alpha=0.3, linewidth=0.6)
ax.set_axisbelow(True)
ax.legend(loc="upper center", bbox_to_anchor=(0.45, 1.32), ncol=3, frameon=False, handlelength=1.0,
          columnspacing=0.8, handletextpad=0.4)
save(fig)
