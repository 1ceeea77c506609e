"""A TPU v5e bf16 roofline: attainable FLOP/s against arithmetic intensity, with its ridge unlabelled (the card asks it)."""

from redeck.drawing import ACCENT, MUTED, card_number, new_figure, save

peak = card_number("roof-critical-batch-v5e", "front", 0)  # 1.97e14 FLOP/s
bandwidth = card_number("roof-critical-batch-v5e", "front", 1)  # 8.19e11 bytes/s
ridge = peak / bandwidth
fig, ax = new_figure(height=2.5)
xs = [1, ridge, 1e4]
ax.loglog(xs, [min(peak, x * bandwidth) for x in xs], color=ACCENT)
ax.axvline(ridge, color=MUTED, linestyle=":", linewidth=1.2)
ax.set_xlim(1, 1e4)
ax.set_xticks([1, 10, 100, 1000, 10000], ["1", "10", "100", "1000", "10⁴"])
ax.grid(True, which="both", color=MUTED, alpha=0.25, linewidth=0.6)
ax.set_xlabel("arithmetic intensity (FLOPs/byte)")
ax.set_ylabel("FLOP/s")
ax.set_title("TPU v5e, bf16, HBM", fontsize=11)
save(fig)
