"""An H100 SXM dense bf16 roofline against HBM, its ridge unlabelled (the card asks it)."""

from redeck.drawing import ACCENT, MUTED, card_number, new_figure, save

peak = card_number("gpu-h100-sxm-dense-bf16") * 1e12  # 989 TFLOP/s dense
bandwidth = card_number("gpu-h100-sxm-hbm-bandwidth") * 1e12  # 3.35 TB/s
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
ax.set_title("H100 SXM, dense bf16, HBM", fontsize=11)
save(fig)
