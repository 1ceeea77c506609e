"""One sequence's KV cache for LLaMA 3-70B in bf16, growing linearly with context length."""

from redeck.drawing import ACCENT, MUTED, card_number, new_figure, save

per_token_kib = card_number("tx-kv-llama3-70b-per-token")  # 320 KiB per token
contexts = [0, 8192, 16384, 32768, 65536, 131072]
fig, ax = new_figure(height=2.4)
ax.plot([c / 1024 for c in contexts], [c * per_token_kib / 2**20 for c in contexts], color=ACCENT, marker="o", markersize=4)
ax.set_xticks([0, 32, 64, 96, 128])
ax.set_xlabel("context length (K tokens)")
ax.set_ylabel("KV cache (GiB)")
ax.grid(True, color=MUTED, alpha=0.25, linewidth=0.6)
ax.set_title("LLaMA 3-70B, bf16, one sequence", fontsize=11)
save(fig)
