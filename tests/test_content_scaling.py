"""Recomputes the worked-example cards of the scaling deck (cards/scaling/).

Every card whose answer is a number computed from stated inputs has them in tests/worked_inputs.yaml
(``tx-kv-llama3-70b-per-token: "L=80, K=8, H=128, bytes=2, T=1, B=1"``), not on the card, where a learner
would read them as notes. The tests below recompute the answer from those inputs with the formula the card
names, and compare it with the number written in ``back`` (or, where a card quotes a derived number in
``extra``, with that), and check that the inputs a card's question depends on are the ones it states. Change a
number on one side only and a test fails.

Covered files: transformer-accounting.yaml and case-studies.yaml (owned by the same review as this test),
plus training-parallelism.yaml, inference.yaml and moe.yaml. A few cross-file checks tie the LLaMA-3 configs and the
TPU/GPU peak numbers used here to the spec cards they come from (cards/accelerators/).

Only PyYAML is needed; files are read with yaml.BaseLoader, so every value is a string.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import pytest
import yaml

from cardtext import CARDS_ROOT, NUMBER, all_text, load_cards, numbers_in, to_float

ROOT = CARDS_ROOT
SCALING = ROOT / "scaling"
COVERED_FILES = ("transformer-accounting.yaml", "case-studies.yaml", "training-parallelism.yaml", "inference.yaml", "moe.yaml")

# --------------------------------------------------------------------------------------------- loading


# Only the scaling cards and the accelerator spec cards they are checked against.
CARDS = {**load_cards(ROOT / "accelerators"), **load_cards(SCALING)}
WORKED_INPUTS_FILE = CARDS_ROOT.parent / "tests" / "worked_inputs.yaml"
WORKED_INPUTS: dict[str, str] = yaml.safe_load(WORKED_INPUTS_FILE.read_text(encoding="utf-8"))


def card(cid: str) -> dict:
    """The card; a test whose card was deleted fails, so the recomputation is removed or moved with it."""
    if cid not in CARDS:
        pytest.fail(f"card {cid!r} not found in cards/scaling or cards/accelerators")
    return CARDS[cid]


def text(cid: str, field: str | None = None) -> str:
    c = card(cid)
    return c.get(field, "") if field else all_text(c)


def numbers(cid: str, field: str | None = None) -> list[float]:
    return numbers_in(text(cid, field))


def quantity(cid: str, unit: str, field: str = "back", nth: int = 0) -> float:
    """The nth number in a field that is directly followed by `unit` (e.g. "GiB", "tokens", "ms")."""
    pattern = NUMBER + r"\s*" + re.escape(unit)
    found = re.findall(pattern, text(cid, field))
    assert len(found) > nth, f"{cid}: no number followed by {unit!r} in {field}: {text(cid, field)!r}"
    return to_float(found[nth])


def inputs(cid: str) -> dict[str, float]:
    """The inputs of a worked example (``a=1, b=2e3`` in tests/worked_inputs.yaml), as floats."""
    card(cid)
    assert cid in WORKED_INPUTS, f"{cid}: no inputs in {WORKED_INPUTS_FILE.name}"
    out = {}
    for part in WORKED_INPUTS[cid].split(","):
        key, _, value = part.strip().partition("=")
        out[key.strip()] = to_float(value.strip())
    return out


def close(a: float, b: float, rel: float) -> bool:
    return abs(a - b) <= rel * max(abs(a), abs(b))


def check(cid: str, stated: float, derived: float, rel: float, what: str = "") -> None:
    assert close(stated, derived, rel), (
        f"{cid}{' ' + what if what else ''}: card says {stated:g}, recomputed from its inputs {derived:g} (tolerance {rel:.1%})"
    )


def quoted(cid: str, value: float, field: str | None = None, rel: float = 0.005) -> bool:
    """True if the card's text quotes `value`."""
    return any(close(to_float(n), value, rel) for n in re.findall(NUMBER, text(cid, field)))


def assert_quoted(cid: str, value: float, field: str | None = None, rel: float = 0.005) -> None:
    assert quoted(cid, value, field, rel), f"{cid}: its text should quote the input {value:g}"


GiB, KiB = 2**30, 2**10

# --------------------------------------------------------------------------------------------- formulas


def dense_params(L, D, F, N, K, H, V, norms=True):
    """Gated-MLP Transformer: L(3DF + 2DNH + 2DKH [+ D]) + 2DV (untied embeddings)."""
    return L * (3 * D * F + 2 * D * N * H + 2 * D * K * H + (D if norms else 0)) + 2 * D * V


def kv_bytes(L, K, H, bytes, T=1, B=1):  # noqa: A002 - the card's own key name
    return 2 * L * K * H * bytes * T * B


def zero_bytes(psi, stage, nd):
    return {0: 16 * psi, 1: 4 * psi + 12 * psi / nd, 2: 2 * psi + 14 * psi / nd, 3: 16 * psi / nd}[int(stage)]


def spec(cid: str, unit: str) -> float:
    """A number from an accelerator spec card (cards/accelerators/)."""
    return quantity(cid, unit)


def present(cid: str) -> bool:
    """Whether a card from a file this review does not own still exists (those files change independently)."""
    return cid in CARDS


# ============================================================================================= registry
# Each entry recomputes one card: it returns nothing and asserts via check(). Keys are card ids.

WORKED: dict[str, Callable[[str], None]] = {}


def worked(*ids: str):
    def register(fn):
        for cid in ids:
            WORKED[cid] = fn
        return fn

    return register


# ---------------------------------------------------------------- transformer-accounting.yaml


@worked("tx-llama3-405b-training-flops")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "FLOPs"), 6 * i["N"] * i["tokens"], 0.01)
    assert_quoted(cid, i["tokens"] / 1e12, "front")


@worked("tx-cs336-70b-h100-days", "tx-cs336-days-with-sparse-peak")
def _(cid):
    i = inputs(cid)
    days = 6 * i["N"] * i["tokens"] / (i["gpus"] * i["peak"] * i["mfu"] * 86400)
    check(cid, quantity(cid, "days"), days, 0.01)
    for value in (i["gpus"], i["N"] / 1e9, i["tokens"] / 1e12, 100 * i["mfu"]):
        assert_quoted(cid, value, "front")


def test_sparse_peak_days_are_half_of_dense_days():
    dense, sparse = inputs("tx-cs336-70b-h100-days"), inputs("tx-cs336-days-with-sparse-peak")
    check("tx-cs336-days-with-sparse-peak", sparse["peak"] / 2, dense["peak"], 0.001, "sparse peak / 2 vs dense peak")
    assert quoted("tx-cs336-days-with-sparse-peak", quantity("tx-cs336-70b-h100-days", "days"), "back", 0.01)


@worked("tx-deepseek-v3-utilization")
def _(cid):
    i = inputs(cid)
    util = 6 * i["N"] * i["tokens"] / (i["gpu_hours"] * 3600 * i["peak"])
    check(cid, quantity(cid, "%"), 100 * util, 0.01)
    # the pre-training-only variant quoted in extra
    pre = inputs("case-deepseek-v3-gpu-hours")["pretrain"]
    check(cid, quantity(cid, "%", "extra"), 100 * 6 * i["N"] * i["tokens"] / (pre * 3600 * i["peak"]), 0.01, "pre-training only")


@worked("tx-deepseek-v3-utilization-sxm-peak")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "%"), 100 * 6 * i["N"] * i["tokens"] / (i["gpu_hours"] * 3600 * i["peak"]), 0.01)
    pcie = inputs("tx-deepseek-v3-utilization")
    for key in ("N", "tokens", "gpu_hours"):
        assert i[key] == pcie[key], f"{cid}: {key} differs from tx-deepseek-v3-utilization"
    assert i["peak"] > pcie["peak"], "the SXM-class peak is above the PCIe one, so the utilisation is lower"
    if present("gpu-h100-sxm-dense-fp8"):
        check(cid, i["peak"], spec("gpu-h100-sxm-dense-fp8", "TFLOP/s") * 1e12, 0.001, "H100 SXM dense FP8 peak")


@worked("tx-attention-dominates-d8192", "tx-attention-dominates-gemma-27b")
def _(cid):
    check(cid, quantity(cid, "tokens"), 8 * inputs(cid)["D"], 0.0)


@worked("tx-attention-equals-qkvo-length")
def _(cid):
    check(cid, quantity(cid, "tokens"), 2 * inputs(cid)["D"], 0.0)


@worked("tx-book-q1-model-params")
def _(cid):
    i = inputs(cid)
    exact = dense_params(i["L"], i["D"], i["F"], 1, 1, 0, i["V"]) + i["L"] * 4 * i["D"] ** 2  # NH = D, MHA
    check(cid, quantity(cid, "parameters"), exact, 0.01)
    rounded = 64 * (3 * 4e3 * 16e3 + 4 * 4e3 * 4e3 + 4e3) + 2 * 4e3 * 32e3  # the book's rounded arithmetic
    assert quoted(cid, 16e9, "extra") and rounded < 17e9


@worked("tx-llama2-13b-params", "tx-llama3-8b-params", "tx-llama3-405b-params")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "parameters"), dense_params(i["L"], i["D"], i["F"], i["N"], i["K"], i["H"], i["V"]), 0.005)
    for key in ("L", "D", "F", "N", "K", "H", "V"):
        assert_quoted(cid, i[key], "front")


@worked("tx-mixtral-total-params")
def _(cid):
    i = inputs(cid)
    L, D, F, N, K, H, V, E = (i[k] for k in ("L", "D", "F", "N", "K", "H", "V", "E"))
    total = L * (E * 3 * D * F + 2 * D * (N + K) * H + E * D + 2 * D) + D + 2 * D * V
    check(cid, quantity(cid, "parameters"), total, 0.005)
    assert quoted(cid, 47, "back")  # the paper's 47B
    for key in ("L", "D", "F", "N", "K", "H", "V"):
        assert_quoted(cid, i[key], "front")


@worked("tx-mixtral-active-params")
def _(cid):
    i = inputs(cid)
    L, D, F, N, K, H, V, k = (i[x] for x in ("L", "D", "F", "N", "K", "H", "V", "k"))
    active = L * (k * 3 * D * F + 2 * D * (N + K) * H) + 2 * D * V
    check(cid, quantity(cid, "active parameters"), active, 0.005)
    assert quoted(cid, 13, "back")  # the paper's 13B
    total = inputs("tx-mixtral-total-params")
    assert {x: total[x] for x in ("L", "D", "F", "N", "K", "H", "V")} == {x: i[x] for x in ("L", "D", "F", "N", "K", "H", "V")}


@worked("tx-gqa-kv-reduction-llama3-70b")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "\\times"), i["N"] / i["K"], 0.0)


@worked("tx-kv-llama3-8b-per-token", "tx-kv-llama3-70b-per-token")
def _(cid):
    i = inputs(cid)
    b = kv_bytes(**i)
    for key in ("L", "K", "H"):
        assert_quoted(cid, i[key], "front")
    check(cid, quantity(cid, "KiB"), b / KiB, 0.0)
    check(cid, quantity(cid, "bytes"), b, 0.0)


@worked("tx-kv-llama3-70b-8k-bf16")
def _(cid):
    b = kv_bytes(**inputs(cid))
    check(cid, quantity(cid, "GiB"), b / GiB, 0.01)
    check(cid, quantity(cid, "bytes", nth=1), b, 0.01, "total bytes")


@worked("tx-kv-llama3-70b-batch-240")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "TB"), kv_bytes(**i) / 1e12, 0.03)
    check(cid, quantity(cid, "GB"), kv_bytes(**{**i, "B": 1}) / 1e9, 0.01, "per sequence")
    assert_quoted(cid, i["B"], "front")
    assert_quoted(cid, i["T"], "front")


@worked("tx-kv-llama3-405b-128k")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "GiB"), kv_bytes(**i) / GiB, 0.01)
    check(cid, quantity(cid, "bytes per token"), kv_bytes(**{**i, "T": 1}), 0.0)
    for key in ("L", "K", "H", "T"):
        assert_quoted(cid, i[key], "front")


@worked("tx-kv-book-mha-8k-int8")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "GiB"), 2 * i["L"] * i["KH"] * i["bytes"] * i["T"] * i["B"] / GiB, 0.0)


# ---------------------------------------------------------------- case-studies.yaml


@worked("case-llama3-70b-mlp-params")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "parameters"), 3 * i["D"] * i["F"] * i["L"], 0.002)


@worked("case-llama3-70b-attention-params")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "parameters"), i["L"] * 2 * i["D"] * (i["N"] + i["K"]) * i["H"], 0.005)


@worked("case-llama3-70b-embedding-params")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "parameters"), 2 * i["V"] * i["D"], 0.01)


@worked("case-llama3-70b-total-params")
def _(cid):
    i = inputs(cid)
    total = dense_params(i["L"], i["D"], i["F"], i["N"], i["K"], i["H"], i["V"], norms=False)
    check(cid, quantity(cid, "parameters"), total, 0.002)
    parts = ("case-llama3-70b-mlp-params", "case-llama3-70b-attention-params", "case-llama3-70b-embedding-params")
    check(cid, sum(quantity(p, "parameters") for p in parts), total, 0.005, "sum of the three part cards")


@worked("case-llama3-70b-training-flops-per-token")
def _(cid):
    check(cid, quantity(cid, "FLOPs per token"), 6 * inputs(cid)["params"], 0.01)


@worked("case-llama3-70b-total-training-flops")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "FLOPs"), 6 * i["params"] * i["tokens"], 0.01)


@worked("case-llama3-70b-v5p-pod-days")
def _(cid):
    i = inputs(cid)
    seconds = i["total_flops"] / (i["chips"] * i["flops"] * i["mfu"])
    check(cid, quantity(cid, "days"), seconds / 86400, 0.02)
    check(cid, quantity(cid, "s"), seconds, 0.02, "seconds")
    assert_quoted(cid, quantity("case-llama3-70b-total-training-flops", "FLOPs"), "front")
    for value in (i["chips"], 100 * i["mfu"]):
        assert_quoted(cid, value, "front")


@worked("case-llama3-70b-checkpoint-memory")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "TB"), i["bytes"] * i["D"] * i["tokens"] * i["per_layer"] * i["L"] / 1e12, 0.02)
    for value in (i["D"], i["L"], i["per_layer"]):
        assert_quoted(cid, value, "front")


@worked("case-llama3-70b-minimum-chips-memory")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "chips"), i["total_bytes"] / i["hbm_per_chip"], 0.01)


@worked("case-llama3-70b-pure-fsdp-comms-bound")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "tokens", nth=0), i["batch_tokens"] / i["chips"], 0.005, "per-chip batch")
    check(cid, quantity(cid, "tokens", nth=1), i["alpha"] / i["axes"], 0.005, "FSDP threshold")


@worked("case-llama3-70b-fsdp-tp-threshold")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "tokens per chip"), 2 * i["alpha"] ** 2 / i["F"], 0.005)
    per_chip = quantity("case-llama3-70b-pure-fsdp-comms-bound", "tokens")
    assert 2 * i["alpha"] ** 2 / i["F"] < per_chip, "the card says the 468-token batch clears the threshold"


@worked("case-llama3-70b-optimal-fsdp-degree")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "ways"), math.sqrt(2 * i["B"] * i["chips"] / i["F"]), 0.005)


@worked("case-llama3-70b-kv-bytes-per-token")
def _(cid):
    b = kv_bytes(**inputs(cid))
    check(cid, quantity(cid, "bytes per token"), b, 0.0)
    check(cid, quantity(cid, "KiB"), b / KiB, 0.0)


@worked("case-llama3-70b-kv-per-32k-sequence")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "GB"), i["kv_bytes_per_token"] * i["T"] / 1e9, 0.01)
    check(cid, i["kv_bytes_per_token"], quantity("case-llama3-70b-kv-bytes-per-token", "bytes per token"), 0.0, "bytes/token")


@worked("case-llama3-70b-int8-smallest-slice")
def _(cid):
    i = inputs(cid)
    chips = i["param_bytes"] / i["hbm_per_chip"]
    check(cid, quantity(cid, "chips", nth=1), chips, 0.02, "minimum chips")
    check(cid, quantity(cid, "chips", nth=0), 2 ** math.ceil(math.log2(chips)), 0.0, "power-of-two slice")


@worked("case-llama3-70b-decode-step-4x2")
def _(cid):
    i = inputs(cid)
    step = (i["kv_bytes_per_token"] * i["T"] * i["batch"] + i["param_bytes"]) / (i["chips"] * i["hbm_bw"])
    check(cid, quantity(cid, "ms"), step * 1e3, 0.03)
    check(cid, quantity(cid, "ms", "extra"), step * 1e3, 0.01, "unrounded step in extra")
    for value in (i["batch"], i["T"]):
        assert_quoted(cid, value, "front")


@worked("case-llama3-70b-hbm-full-step-slice-independent")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "ms"), i["hbm_bytes"] / i["hbm_bw"] * 1e3, 0.01)


@worked("case-llama3-70b-prefill-time")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "s"), 2 * i["params"] * i["tokens"] / (i["chips"] * i["flops"] * i["mfu"]), 0.01)
    for value in (i["tokens"], i["chips"], 100 * i["mfu"]):
        assert_quoted(cid, value, "front")


@worked("case-llama3-70b-serving-ici-bound")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "-way"), i["axes"] * i["F"] / i["alpha"], 0.03)


@worked("case-llama3-70b-kv-flops-crossover-context")
def _(cid):
    # per-sequence KV load time T*kv/W_hbm equals per-sequence FLOP time 2*params/C (batch and chip count cancel)
    i = inputs(cid)
    crossover = 2 * i["params"] * i["hbm_bw"] / (i["kv_bytes_per_token"] * i["flops"])
    check(cid, quantity(cid, "tokens"), crossover, 0.02)
    assert quoted(cid, crossover, "extra", 0.005), f"{cid}: extra should quote the unrounded crossover {crossover:.0f}"
    check(cid, i["kv_bytes_per_token"], quantity("case-llama3-70b-kv-bytes-per-token", "bytes per token"), 0.0, "bytes/token")
    for value in (i["kv_bytes_per_token"], i["hbm_bw"], i["flops"]):
        assert_quoted(cid, value, "front")


@worked("case-serving-chip-flops-per-dollar")
def _(cid):
    i = inputs(cid)
    stated = numbers(cid, "back")
    for n, chip in enumerate(("v5e", "v5p", "h100")):
        check(cid, stated[n], i[f"{chip}_flops"] / i[f"{chip}_usd"], 0.01, chip)
    assert stated[0] > stated[1] > stated[2]


@worked("case-deepseek-v3-gpu-hours")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "M GPU hours") * 1e6, i["pretrain"] + i["context"] + i["post"], 0.0)


@worked("case-deepseek-v3-training-cost-usd")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "M") * 1e6, i["gpu_hours"] * i["usd_per_hour"], 0.0)
    check(cid, i["gpu_hours"], quantity("case-deepseek-v3-gpu-hours", "M GPU hours") * 1e6, 0.0, "hours")


@worked("case-deepseek-v3-days-per-trillion-tokens")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "days"), i["gpu_hours"] / i["gpus"] / 24, 0.02)
    pre = inputs("case-deepseek-v3-gpu-hours")["pretrain"]
    check(cid, quantity(cid, "days", "extra"), pre / i["gpus"] / 24, 0.02, "whole pre-training")


@worked("case-deepseek-v3-implied-flops-per-gpu")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "FLOP/s"), 6 * i["active_params"] * i["tokens"] / (i["gpu_hours"] * 3600), 0.02)


@worked("case-deepseek-v3-mla-kv-bytes")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "bytes per token"), (i["latent"] + i["rope"]) * i["L"] * i["bytes"], 0.0)
    m = re.search(r"about (\d+)× more", text(cid, "extra"))
    assert m, cid
    check(cid, float(m.group(1)), 2 * 128 * 128 / (i["latent"] + i["rope"]), 0.01, "MHA ratio")
    assert quoted("case-deepseek-v3-moe-expert-counts", i["L"], "extra"), "61 layers on the layout card"


@worked("case-pope-2d-weight-stationary")
def _(cid):
    i = inputs(cid)
    crossover = 32 * i["F_over_D"] * (3 / 4) ** 2
    m = re.search(r"gives (\d+) for F = 4D", text(cid, "extra"))
    assert m, cid
    check(cid, float(m.group(1)), crossover, 0.0)
    m = re.search(r"([\d.]+)·BD", text(cid, "extra"))
    assert m, cid
    check(cid, float(m.group(1)), math.sqrt(128), 0.01, "sqrt(128) coefficient")


# ---------------------------------------------------------------- training-parallelism.yaml


@worked("par-dp-max-params-v5p")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "parameters"), i["hbm"] / i["bytes_per_param"], 0.005)


@worked("par-dp-critical-batch-v5p", "par-dp-critical-batch-three-axes")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "tokens per chip"), i["C"] / i["W"] / i["axes"], 0.005)
    if "chips" in i:
        check(cid, quantity(cid, "M tokens", "extra") * 1e6, i["C"] / i["W"] / i["axes"] * i["chips"], 0.01, "per pod")


@worked("par-cs336-8xh100-max-model")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "parameters"), i["gpus"] * i["hbm"] / i["bytes_per_param"], 0.005)


@worked("par-zero-gpt2-model-states")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "GB", nth=0), i["params"] * i["bytes_per_param"] / 1e9, 0.005)
    check(cid, quantity(cid, "GB", nth=1), i["params"] * 2 / 1e9, 0.005, "fp16 weights")


@worked("par-zero-7b5-baseline", "par-zero-7b5-stage1", "par-zero-7b5-stage2", "par-zero-7b5-stage3")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "GB"), zero_bytes(i["psi"], i["stage"], i["Nd"]) / 1e9, 0.02)


@worked("par-tp-limit-llama3-70b")
def _(cid):
    i = inputs(cid)
    bound = i["axes"] * i["F"] / i["alpha"]
    check(cid, quantity(cid, "-way"), bound, 0.03)
    assert quoted(cid, round(bound, 1), "back")


@worked("par-selective-saving-gpt3")
def _(cid):
    i = inputs(cid)
    quad = 5 * i["a"] * i["s"] / i["h"]
    check(cid, quantity(cid, "%"), 100 * quad / (34 + quad), 0.01)
    assert quoted(cid, quad, "back")


@worked("par-activation-memory-gpt3-layer")
def _(cid):
    i = inputs(cid)
    per_layer = i["s"] * i["b"] * i["h"] * (34 + 5 * i["a"] * i["s"] / i["h"])
    check(cid, quantity(cid, "GB"), per_layer / 1e9, 0.02)
    check(cid, quantity(cid, "GB", "extra"), 96 * per_layer / 1e9, 0.01, "96 layers")


@worked("par-activations-no-remat-84tb", "par-block-remat-memory")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "TB"), i["bytes"] * i["per_layer"] * i["tokens"] * i["D"] * i["L"] / 1e12, 0.01)


@worked("par-llama2-13b-checkpoint-memory")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "TB"), i["bytes"] * i["L"] * i["B"] * (i["D"] + 2 * i["F"]) / 1e12, 0.01)


@worked("par-gpipe-bubble-4-stages")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "%"), 100 * (i["p"] - 1) / (i["m"] + i["p"] - 1), 0.005)
    check(cid, quantity(cid, "%", "extra"), 100 * (i["p"] - 1) / i["p"], 0.005, "single micro-batch")


@worked("par-bubble-conventions-compared")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "%"), 100 * (i["p"] - 1) / i["m"], 0.005, "Narayanan (ideal compute time)")
    check(cid, quantity(cid, "%", "extra"), 100 * (i["p"] - 1) / (i["m"] + i["p"] - 1), 0.005, "GPipe (whole step)")


@worked("par-interleaved-bubble-example")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "%"), 100 * (i["p"] - 1) / (i["v"] * i["m"]), 0.01)
    # the same p and m as the conventions card: interleaving divides its bubble by v
    plain = inputs("par-bubble-conventions-compared")
    assert (plain["p"], plain["m"]) == (i["p"], i["m"]), cid
    check(cid, quantity("par-bubble-conventions-compared", "%"), i["v"] * quantity(cid, "%"), 0.01, "v x interleaved = 1F1B")


@worked("par-llama3-405b-16k-config")
def _(cid):
    i = inputs(cid)
    check(cid, i["tp"] * i["cp"] * i["pp"] * i["dp"], i["gpus"], 0.0, "TP x CP x PP x DP vs GPU count")
    assert_quoted(cid, i["gpus"], "front")


@worked("par-fsdp-tp-critical-batch-f32k")
def _(cid):
    i = inputs(cid)
    derived = 2 * i["alpha"] ** 2 / i["F"]
    assert quoted(cid, derived, "back"), f"{cid}: back should state {derived:.0f} tokens per chip: {text(cid, 'back')!r}"


@worked("par-dcn-pod-critical-batch")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "tokens per pod"), i["C_pod"] / i["W_dcn"], 0.01)


@worked("par-deepseek-v2-chip-count")
def _(cid):
    i = inputs(cid)
    chips = i["B"] / i["per_chip"]
    check(cid, quantity(cid, "chips"), chips, 0.01)
    check(cid, quantity(cid, "TPU v5p pods"), chips / 8960, 0.05, "pods of 8960")


# ---------------------------------------------------------------- inference.yaml


@worked("inf-prefill-attention-compute-bound-length")
def _(cid):
    # attention intensity T/2 must exceed the v5e critical intensity (bf16 FLOP/s ÷ HBM bytes/s)
    critical = spec("tpu-v5e-peak-bf16", "FLOP/s") / spec("tpu-v5e-hbm-bandwidth", "bytes/s")
    check(cid, quantity(cid, "tokens"), 2 * critical, 0.01)


@worked("inf-step-bound-30b-batch4")
def _(cid):
    i = inputs(cid)
    step = (i["batch"] * i["kv_bytes_per_token"] * i["context"] + i["param_bytes"]) / (i["chips"] * i["hbm_bw"])
    check(cid, quantity(cid, "ms"), step * 1e3, 0.02)


@worked("inf-step-time-30b-batch256")
def _(cid):
    i = inputs(cid)
    kv = i["batch"] * i["kv_bytes_per_token"] * i["context"] / (i["chips"] * i["hbm_bw"])
    mlp = 2 * i["batch"] * i["params"] / (i["chips"] * i["flops"])
    check(cid, quantity(cid, "ms"), (kv + mlp) * 1e3, 0.02)


@worked("inf-llama2-13b-kv-cache-8k")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "GB"), kv_bytes(i["L"], i["K"], i["H"], i["bytes"], i["T"]) / 1e9, 0.01)
    check(cid, quantity(cid, "bytes per token"), kv_bytes(i["L"], i["K"], i["H"], i["bytes"]), 0.0)


@worked("inf-llama2-13b-kv-exceeds-weights")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "sequences"), math.ceil(i["params"] * i["bytes"] / i["kv_bytes_per_seq"]), 0.0)


@worked("inf-disaggregation-server-ratio")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "prefill servers"), i["prefill_s"] * i["batch"] / (i["step_s"] * i["gen_len"]), 0.02)


@worked("inf-kv-tokens-evicted-per-step")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "tokens per step"), i["B"] * (i["P"] + i["G"]) / i["G"], 0.0)


@worked("inf-speculative-expected-tokens-example")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "tokens"), (1 - i["alpha"] ** (i["gamma"] + 1)) / (1 - i["alpha"]), 0.005)


@worked("inf-speculative-walltime-speedup-example")
def _(cid):
    i = inputs(cid)
    a, g, c = i["alpha"], i["gamma"], i["c"]
    check(cid, quantity(cid, "×"), (1 - a ** (g + 1)) / ((1 - a) * (g * c + 1)), 0.01)


@worked("inf-model-sharding-limit-example")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "ways"), i["F"] / (i["B"] * i["beta"]), 0.0)


@worked("inf-vllm-block-bytes-per-layer")
def _(cid):
    i = inputs(cid)
    b = 2 * i["block_tokens"] * i["K"] * i["H"] * i["bytes"]
    check(cid, quantity(cid, "bytes"), b, 0.0)
    check(cid, quantity(cid, "KiB"), b / KiB, 0.0)


@worked("inf-vllm-blocks-for-prefill")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "blocks"), math.ceil(i["tokens"] / i["block_tokens"]), 0.0)


@worked("inf-latency-bound-collectives")
def _(cid):
    i = inputs(cid)
    check(cid, quantity(cid, "kB"), i["ici_bw"] * i["hop_s"] * i["shards"] / 1e3, 0.01)


# ============================================================================================= tests


@worked("moe-deepseek-critical-batch")
def _(cid):
    i = inputs(cid)
    # int8 weights (1 byte) and bf16 matmuls: intensity 2·B·k / (E · bytes per weight) must reach the critical intensity
    check(cid, quantity(cid, "tokens"), i["intensity"] * i["weight_bytes"] * i["E"] / (2 * i["k"]), 0.0)
    for key in ("E", "intensity"):
        assert_quoted(cid, i[key], "front")


@pytest.mark.parametrize("cid", sorted(WORKED))
def test_worked_example(cid):
    WORKED[cid](cid)


def _cards_with_inputs(files) -> list[str]:
    return sorted(cid for cid in WORKED_INPUTS if cid in CARDS and CARDS[cid]["_file"] in files)


def test_every_worked_example_is_recomputed():
    missing = [cid for cid in _cards_with_inputs(COVERED_FILES) if cid not in WORKED]
    assert not missing, f"cards with inputs but no recomputation in this test: {missing}"


def test_worked_inputs_parse_and_name_cards_that_exist():
    assert sorted(cid for cid in WORKED_INPUTS if cid not in CARDS) == []
    for cid in WORKED_INPUTS:
        assert inputs(cid), cid


def test_no_card_shows_the_tests_inputs_to_the_learner():
    assert [cid for cid, c in CARDS.items() if re.search(r"^\s*inputs:", c.get("extra", ""), re.M)] == []


# ---------------------------------------------------------------- cross-card consistency


def llama3_70b_config() -> dict[str, float]:
    """L, D, F, N, K, H, V from the hyperparameter cloze, e.g. 'D = {{c1::8,192}}'."""
    cloze = text("case-llama3-70b-hyperparameters", "cloze")
    cfg = {}
    for key in ("L", "D", "F", "N", "K", "H", "V"):
        m = re.search(rf"\b{key} = (?:\{{\{{c\d::)?([\d,]+)", cloze)
        assert m, f"{key} missing from the LLaMA-3-70B cloze"
        cfg[key] = to_float(m.group(1))
    return cfg


def test_llama3_70b_cards_share_one_config():
    cfg = llama3_70b_config()
    assert cfg["F"] == 3.5 * cfg["D"]
    users = [cid for cid in _cards_with_inputs(COVERED_FILES) if "llama3-70b" in cid]
    assert len(users) >= 10, users
    for cid in users:
        for key, value in inputs(cid).items():
            if key in cfg:
                assert value == cfg[key], f"{cid}: input {key}={value:g} but the LLaMA-3-70B config card says {cfg[key]:g}"


@pytest.mark.parametrize(
    "params_card, kv_card",
    [("tx-llama3-8b-params", "tx-kv-llama3-8b-per-token"), ("tx-llama3-405b-params", "tx-kv-llama3-405b-128k")],
)
def test_llama3_kv_cards_match_paper_configs(params_card, kv_card):
    p, k = inputs(params_card), inputs(kv_card)
    for key in ("L", "K", "H"):
        assert p[key] == k[key], f"{kv_card}: {key}={k[key]:g} but {params_card} says {p[key]:g}"
    assert p["D"] == p["N"] * p["H"], f"{params_card}: H should be D/N"


def test_llama3_405b_flops_card_and_parameter_card_agree():
    assert inputs("tx-llama3-405b-training-flops")["N"] == 405e9
    assert close(quantity("tx-llama3-405b-params", "parameters"), 405e9, 0.01)


def test_deepseek_active_params_used_consistently():
    active = quantity("case-deepseek-v3-total-active-params", "B parameters") * 1e9
    assert inputs("tx-deepseek-v3-utilization")["N"] == active
    assert inputs("tx-deepseek-v3-utilization-sxm-peak")["N"] == active
    assert inputs("case-deepseek-v3-implied-flops-per-gpu")["active_params"] == active


def test_deepseek_node_limited_routing_arithmetic():
    cid = "case-deepseek-v3-node-limited-routing"
    nvlink, ib = quantity(cid, "GB/s", nth=1), quantity(cid, "GB/s", nth=0)
    check(cid, quantity(cid, "×"), nvlink / ib, 0.01, "NVLink / IB")
    check(cid, quantity(cid, "experts", "extra"), round(4 * nvlink / ib), 0.0, "experts within 4 nodes")


def test_mixtral_active_below_total():
    assert quantity("tx-mixtral-active-params", "active parameters") < quantity("tx-mixtral-total-params", "parameters")


# ---------------------------------------------------------------- hardware numbers vs the accelerator spec cards


def test_v5p_peak_used_in_scaling_cards_matches_spec():
    v5p = spec("tpu-v5p-peak-bf16", "FLOP/s")
    assert inputs("case-llama3-70b-v5p-pod-days")["flops"] == v5p
    assert inputs("case-serving-chip-flops-per-dollar")["v5p_flops"] == v5p
    if present("par-dp-critical-batch-v5p"):
        assert inputs("par-dp-critical-batch-v5p")["C"] == v5p


def test_v5e_numbers_used_in_scaling_cards_match_spec():
    v5e = spec("tpu-v5e-peak-bf16", "FLOP/s")
    for cid, key in [
        ("case-llama3-70b-prefill-time", "flops"),
        ("case-serving-chip-flops-per-dollar", "v5e_flops"),
        ("inf-step-time-30b-batch256", "flops"),
        ("case-llama3-70b-kv-flops-crossover-context", "flops"),
    ]:
        if present(cid):
            assert inputs(cid)[key] == v5e, cid
    hbm = spec("tpu-v5e-hbm-bandwidth", "bytes/s")
    for cid in (
        "case-llama3-70b-decode-step-4x2",
        "case-llama3-70b-hbm-full-step-slice-independent",
        "case-llama3-70b-kv-flops-crossover-context",
        "inf-step-bound-30b-batch4",
    ):
        if present(cid):
            assert close(inputs(cid)["hbm_bw"], hbm, 0.015), f"{cid}: the book's 8.1e11/8.2e11 should be within 1.5% of {hbm:g}"
    capacity = spec("tpu-v5e-hbm-capacity", "GB") * 1e9
    assert inputs("case-llama3-70b-hbm-full-step-slice-independent")["hbm_bytes"] == capacity
    assert inputs("case-llama3-70b-int8-smallest-slice")["hbm_per_chip"] == capacity


def test_v5p_ici_intensity_2550_matches_spec():
    alpha = spec("tpu-v5p-peak-bf16", "FLOP/s") / (2 * spec("tpu-v5p-ici-link-one-way", "bytes/s"))
    for cid in (
        "case-llama3-70b-fsdp-tp-threshold",
        "case-llama3-70b-pure-fsdp-comms-bound",
    ):
        assert close(inputs(cid)["alpha"], alpha, 0.005), cid


def test_v5e_ici_intensity_in_serving_card():
    # the v5e serving bound uses v5e's own C/W (about 2,190), not v5p's 2550
    alpha_v5e = spec("tpu-v5e-peak-bf16", "FLOP/s") / (2 * spec("tpu-v5e-ici-link-one-way", "bytes/s"))
    cid = "case-llama3-70b-serving-ici-bound"
    assert close(inputs(cid)["alpha"], alpha_v5e, 0.005), f"{cid}: alpha should be the v5e ratio {alpha_v5e:.0f}"
    assert quoted(cid, alpha_v5e, "back", rel=0.005) and quoted(cid, alpha_v5e, "extra", rel=0.005)
    assert quoted(cid, 2 * inputs(cid)["F"] / alpha_v5e, "back", rel=0.03)
    for value in (spec("tpu-v5e-peak-bf16", "FLOP/s"), 2 * spec("tpu-v5e-ici-link-one-way", "bytes/s")):
        assert_quoted(cid, value, "front")


def test_activation_breakdown_sums_to_34():
    # attention (besides the 5as^2b term), MLP and layer norms: the three parts of the 34 sbh per layer
    parts = ("par-activation-attention-block-bytes", "par-activation-mlp-block-bytes", "par-activation-layernorm-bytes")
    total = sum(numbers(cid, "back")[0] for cid in parts)
    assert total == 34, f"the three part cards sum to {total:g} sbh"
    assert "34 + 5as/h" in text("par-activation-memory-per-layer", "back")


def test_h100_dense_peak_matches_spec():
    dense = spec("gpu-h100-sxm-dense-bf16", "TFLOP/s") * 1e12
    assert close(inputs("tx-cs336-70b-h100-days")["peak"], dense, 0.001)
    assert close(inputs("tx-cs336-days-with-sparse-peak")["peak"], 2 * dense, 0.001)
