"""Figures as code: scripts in the card tree draw deterministic SVGs that cards show, readable on a phone."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import NOW, import_package
from redeck.cli import cli

ROOT = Path(__file__).resolve().parents[1]
CARDS_ROOT = ROOT / "cards"
ARTIFACTS = ROOT / "build" / "test-artifacts" / "figures"

SCRIPT = '''\
"""A roofline: attainable FLOP/s against arithmetic intensity, the ridge where the card says it is."""

from redeck.drawing import ACCENT, MUTED, card_number, new_figure, save

peak, bandwidth = card_number("peak"), card_number("bandwidth")
ridge = peak / bandwidth
fig, ax = new_figure()
xs = [1, ridge, 4 * ridge]
ax.loglog(xs, [min(peak, x * bandwidth) for x in xs], color=ACCENT)
ax.axvline(ridge, color=MUTED, linestyle=":")
ax.set_xlabel("FLOPs per byte")
ax.set_ylabel("FLOP/s")
save(fig)
'''
CARDS = """\
deck: D
source: test
cards:
  - id: peak
    front: What is the chip's peak?
    back: 9.89e14 FLOP/s
  - id: bandwidth
    front: What is the chip's memory bandwidth?
    back: 3.35e12 bytes/s
  - id: ridge
    front: "Where is the ridge of this roofline? ![roofline](media/roofline.svg)"
    back: About 295 FLOPs per byte
"""


@pytest.fixture
def figure_tree(tree, monkeypatch):
    monkeypatch.chdir(tree.root)
    tree.write("a.yaml", CARDS)
    tree.write("media/roofline.figure.py", SCRIPT)
    return tree


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_figures_draws_the_svg_and_check_then_passes(figure_tree):
    svg = figure_tree.cards / "media" / "roofline.svg"
    assert run("figures", "--check").exit_code == 1 and not svg.exists()
    result = run("figures")
    assert result.exit_code == 0 and "1 figure: 1 written" in result.stderr
    assert svg.read_bytes().startswith(b"<?xml") and b"<text" not in svg.read_bytes()  # text as outlines
    assert run("figures").stderr.strip().endswith("1 figure: 0 written")
    check = run("figures", "--check")
    assert check.exit_code == 0 and "all current" in check.stderr
    assert run("build").exit_code == 0  # the card shows it; matplotlib is not needed for that


def test_a_stale_figure_fails_the_check_and_names_it(figure_tree):
    run("figures")
    figure_tree.write("media/roofline.figure.py", SCRIPT.replace("linestyle=':'", "linestyle='--'").replace(
        'linestyle=":"', 'linestyle="--"'))  # fmt: skip
    result = run("figures", "--check")
    assert result.exit_code == 1
    assert result.stdout.strip() == (
        "cards/media/roofline.svg:1:1: error: stale: not what roofline.figure.py draws now; run redeck figures [figure]"
    )


def test_a_card_number_change_makes_the_figure_stale(figure_tree):
    run("figures")
    figure_tree.write("a.yaml", CARDS.replace("3.35e12", "3.0e12"))
    assert run("figures", "--check").exit_code == 1


def test_a_failing_script_is_one_located_error(figure_tree):
    figure_tree.write("media/broken.figure.py", "from redeck.drawing import card_number\ncard_number('no-such-card')\n")
    result = run("figures")
    assert result.exit_code == 1
    assert result.stdout.strip() == ("cards/media/broken.figure.py:1:1: error: figure script failed: "
                                     "LookupError: no card 'no-such-card' in the card tree [figure]")  # fmt: skip


VARIANTS = """\
from redeck.drawing import box, diagram, save

for shade in ("#0969da", "#cf222e"):
    fig, ax = diagram(100, 20)
    box(ax, 10, 5, 30, 10, "x", fill=shade)
    save(fig, "variant-" + ("blue" if shade == "#0969da" else "red"))
"""


def test_one_script_may_draw_several_named_figures(figure_tree):
    figure_tree.write("media/variants.figure.py", VARIANTS)
    result = run("figures")
    assert result.exit_code == 0 and "3 figures: 3 written" in result.stderr
    blue, red = (figure_tree.cards / "media" / f"variant-{c}.svg" for c in ("blue", "red"))
    assert blue.read_bytes() != red.read_bytes() and b"cf222e" in red.read_bytes()
    assert not (figure_tree.cards / "media" / "variants.svg").exists()
    red.unlink()
    check = run("figures", "--check")
    assert check.exit_code == 1 and check.stdout.startswith("cards/media/variant-red.svg:1:1: error: missing")


def test_a_figure_name_is_a_file_beside_the_script_never_a_path(figure_tree):
    figure_tree.write("media/escape.figure.py", VARIANTS.replace('"variant-" + ', '"../../x" + '))
    result = run("figures")
    assert result.exit_code == 1 and "figure name '../../xblue'" in result.stdout
    assert not list(figure_tree.root.parent.rglob("xblue.svg")) and not list(figure_tree.root.rglob("*xblue*"))


def test_two_scripts_drawing_one_svg_is_an_error_of_the_second(figure_tree):
    figure_tree.write("media/twice.figure.py", SCRIPT.replace("save(fig)", 'save(fig, "roofline")'))
    result = run("figures")
    assert result.exit_code == 1
    assert "cards/media/twice.figure.py:1:1: error: roofline.svg is drawn by roofline.figure.py too" in result.stdout


def test_the_same_script_draws_the_same_bytes_whatever_the_users_settings(figure_tree, tmp_path):
    run("figures")
    first = (figure_tree.cards / "media" / "roofline.svg").read_bytes()
    (figure_tree.cards / "media" / "roofline.svg").unlink()
    rc = tmp_path / "matplotlibrc"
    rc.write_text("font.family: serif\nsvg.fonttype: none\nlines.linewidth: 5\n")
    env = {**os.environ, "MATPLOTLIBRC": str(rc), "MPLCONFIGDIR": str(tmp_path), "PYTHONHASHSEED": "123",
           "PYTHONPATH": os.pathsep.join(sys.path), "TZ": "Asia/Tokyo"}  # fmt: skip
    subprocess.run([sys.executable, "-c", "from redeck.cli import main; main()", "figures"], cwd=figure_tree.root, env=env,
                   check=True, capture_output=True)  # fmt: skip
    assert (figure_tree.cards / "media" / "roofline.svg").read_bytes() == first


def test_an_unchanged_figure_updates_nothing_and_a_changed_one_exactly_its_notes(figure_tree, collection):
    figure_tree.write("b.yaml", "deck: D\nsource: s\ncards:\n  - id: other\n    front: What else?\n    back: Nothing.\n")
    run("figures")
    import_package(collection, figure_tree.build().output)
    run("figures")
    assert not import_package(collection, figure_tree.build(now=NOW + 10).output).updated
    figure_tree.write("a.yaml", CARDS.replace("3.35e12", "3.0e12"))
    run("figures")
    log = import_package(collection, figure_tree.build(now=NOW + 20).output)
    # the bandwidth card changed its text, the ridge card its figure: those two, nothing else
    assert sorted(n.fields[0][:20] for n in log.updated) == ["What is the chip's m", "Where is the ridge o"]


# ------------------------------------------------------------------------------ the shipped figures


SHIPPED_SCRIPTS = sorted(CARDS_ROOT.rglob("*.figure.py"))


def test_every_shipped_figure_is_current():
    result = subprocess.run([sys.executable, "-c", "from redeck.cli import main; main()", "figures", "--check", str(CARDS_ROOT)],
                            capture_output=True, text=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def figure_cards_by_track() -> dict[str, list[str]]:
    """The shipped cards whose question shows a figure, by track (systems: systems/ and stack/)."""
    from cardtext import load_cards

    folders = {"systems": ("systems", "stack"), "accelerators": ("accelerators", "scaling")}
    shows_figure = re.compile(r"!\[[^\]]*\]\(media/[^)]+\.svg\)")
    return {
        track: [cid for d in dirs for cid, card in load_cards(CARDS_ROOT / d).items()
                if shows_figure.search(card.get("front", "") + card.get("cloze", ""))]
        for track, dirs in folders.items()
    }  # fmt: skip


def test_the_deck_has_forty_figure_cards_over_both_tracks():
    tracks = figure_cards_by_track()
    assert len(tracks["systems"]) >= 15 and len(tracks["accelerators"]) >= 20, {k: len(v) for k, v in tracks.items()}
    assert len(tracks["systems"]) + len(tracks["accelerators"]) >= 40


@pytest.mark.parametrize("script", SHIPPED_SCRIPTS, ids=lambda p: p.name)
def test_a_shipped_figures_numbers_are_the_cards_numbers(script, tmp_path):
    """Every number a figure reads from a card is written in that card (one source of truth)."""
    import json

    from redeck.figures import draw

    trace = tmp_path / "trace.jsonl"
    figures = draw(script, CARDS_ROOT, trace=trace)
    assert [f.problem for f in figures] == [None] * len(figures), figures[0].problem
    from cardtext import load_cards, numbers_in

    cards = load_cards(CARDS_ROOT)
    for line in trace.read_text().splitlines() if trace.exists() else []:
        used = json.loads(line)
        assert used["value"] in numbers_in(cards[used["card"]].get(used["field"], "")), used


def anki_page(css: str, html: str, night: bool) -> str:
    body = "card nightMode night_mode" if night else "card"
    return (f'<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">'
            f"<style>{css}</style></head><body class=\"{body}\"><div id=\"qa\">{html}</div></body></html>")  # fmt: skip


@pytest.fixture(scope="module")
def phone():
    from test_preview import CHROMEDRIVER, CHROMIUM

    if not (CHROMIUM and CHROMEDRIVER):
        if os.environ.get("CI"):
            pytest.fail("chromium and chromedriver must be installed in CI")
        pytest.skip("needs Debian's chromium and chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=360,800"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    # Headless Chromium keeps windows at least 500 px wide: emulate the phone's viewport instead.
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 360, "height": 800, "deviceScaleFactor": 1, "mobile": True}
    )
    yield driver
    driver.quit()


def figure_cards(tmp_path: Path) -> list[tuple[str, str, dict[str, Path]]]:
    """(card id, answer HTML, media) for every shipped card that shows an image, as the package renders it."""
    from redeck.build import run_pipeline
    from redeck.compile import Plan

    shutil.copytree(CARDS_ROOT, tmp_path / "cards")
    run = run_pipeline(tmp_path / "cards", Plan(keep_notes=True))
    assert run.ok
    shown = []
    for note in run.notes:
        if "<img" in "".join(note.fields):
            if note.notetype == "basic":
                html = f'<div class="re-front">{note.fields[0]}</div><hr id="answer"><div class="re-back">{note.fields[1]}</div>'
                html += f'<div class="re-extra">{note.fields[2]}</div>' if note.fields[2] else ""
            else:
                html = f'<div class="re-front">{note.fields[0]}</div><div class="re-extra">{note.fields[1]}</div>'
            shown.append((note.card_id, html, run.media))
    return shown


def test_every_figure_card_reads_at_phone_width_in_day_and_night_mode(phone, tmp_path):
    from redeck.notetypes import note_types

    css = note_types()["basic"].css
    cards = figure_cards(tmp_path)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    site = tmp_path / "site"
    site.mkdir()
    for card_id, html, media in cards:
        for name, path in media.items():
            shutil.copyfile(path, site / name)
        for night in (False, True):
            page = site / f"{card_id}-{'night' if night else 'day'}.html"
            page.write_text(anki_page(css, html, night), encoding="utf-8")
            phone.get(page.as_uri())
            sizes = phone.execute_script(
                "return [...document.images].map(i => [i.complete && i.naturalWidth, i.getBoundingClientRect().width,"
                " document.documentElement.scrollWidth])"
            )
            assert sizes and all(
                natural > 0 and 0 < shown <= 360 and page_width <= 360 for natural, shown, page_width in sizes
            ), (card_id, sizes)
            phone.save_screenshot(str(ARTIFACTS / page.with_suffix(".png").name))
    errors = [entry for entry in phone.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []
    shown = {Path(media[name]).name for _, html, media in cards for name in re.findall(r'src="([^"]+)"', html)}
    assert shown >= {svg.name for svg in CARDS_ROOT.rglob("*.svg")}  # every figure is shown by a card
