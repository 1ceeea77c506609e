"""The preview site in a real headless Chromium: filter, reveal, math typeset, images, no console errors."""

from __future__ import annotations

import os
import shutil

import pytest
from click.testing import CliRunner

from redeck.cli import cli
from redeck.preview import cloze_back, cloze_front, deck_page_name

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

CARDS = r"""
deck: Research Engineering::Accelerators::Rooflines
tags: [roofline]
source: How to Scale Your Model, ch. 1
cards:
  - id: roof-intensity
    front: What is the arithmetic intensity of an operation?
    back: FLOPs per byte moved, \(I = \frac{F}{B}\)
    extra: '![plot](media/plot.svg)'
  - id: roof-critical-batch
    front: What is the v5e critical batch?
    back: About 240 tokens
    tags: [tpu::v5e]
  - id: roof-allreduce
    cloze: An AllReduce is a {{c1::ReduceScatter::collective}} then an {{c2::AllGather}}.
"""
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="teal"/></svg>'


def test_cloze_front_hides_and_back_shows():
    text = "A {{c1::ReduceScatter::collective}} then {{c2::AllGather}}"
    assert cloze_front(text) == 'A <span class="cloze">[collective]</span> then <span class="cloze">[…]</span>'
    assert cloze_back(text) == 'A <span class="cloze">ReduceScatter</span> then <span class="cloze">AllGather</span>'


def test_deck_page_names_are_unique_slugs():
    assert deck_page_name("Research Engineering::Stack::RL Environments") == "research-engineering-stack-rl-environments.html"


def test_preview_refuses_bad_cards_and_keeps_the_old_site(tree, monkeypatch):
    monkeypatch.chdir(tree.root)
    tree.write("r.yaml", CARDS)
    (tree.cards / "media").mkdir()
    (tree.cards / "media" / "plot.svg").write_bytes(SVG)
    assert CliRunner().invoke(cli, ["preview"]).exit_code == 0
    index = (tree.root / "build" / "preview" / "index.html").read_text()
    tree.write("r.yaml", CARDS + "  - id: Bad\n")
    result = CliRunner().invoke(cli, ["preview"])
    assert result.exit_code == 1 and "cards/r.yaml:16:9: error: invalid id" in result.stdout
    assert (tree.root / "build" / "preview" / "index.html").read_text() == index


def test_preview_reports_an_image_only_markdown_sees(tree, monkeypatch):
    monkeypatch.chdir(tree.root)
    tree.write("r.yaml", CARDS.replace("extra: '![plot](media/plot.svg)'", 'extra: "![plot][p]\\n\\n[p]:\\n  media/gone.svg"'))
    result = CliRunner().invoke(cli, ["preview"])
    assert result.exit_code == 1
    assert "cards/r.yaml:9:12: error: image 'media/gone.svg' not found" in result.stdout
    assert not (tree.root / "build" / "preview").exists()


@pytest.fixture
def browser():
    if not (CHROMIUM and CHROMEDRIVER):
        if os.environ.get("CI"):
            pytest.fail("chromium and chromedriver must be installed in CI (.ci/run installs them)")
        pytest.skip("needs Debian's chromium and chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1100,900"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    yield driver
    driver.quit()


def test_preview_in_a_real_browser(tree, monkeypatch, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    monkeypatch.chdir(tree.root)
    tree.write("accelerators/rooflines.yaml", CARDS)
    (tree.cards / "accelerators" / "media").mkdir()
    (tree.cards / "accelerators" / "media" / "plot.svg").write_bytes(SVG)
    result = CliRunner().invoke(cli, ["preview", "-o", "site"])
    assert result.exit_code == 0, result.output

    browser.get((tree.root / "site" / "index.html").as_uri())
    browser.find_element(By.LINK_TEXT, "Research Engineering::Accelerators::Rooflines").click()
    wait = WebDriverWait(browser, 20)
    wait.until(lambda d: d.execute_script("return document.querySelectorAll('mjx-container svg').length") == 1)

    cards = browser.find_elements(By.CSS_SELECTOR, ".re-card")
    assert [c.get_attribute("id") for c in cards] == ["roof-intensity", "roof-critical-batch", "roof-allreduce"]
    answer = cards[0].find_element(By.CSS_SELECTOR, ".re-answer")
    assert not answer.is_displayed()
    cards[0].click()
    assert answer.is_displayed() and "FLOPs per byte" in answer.text
    image = answer.find_element(By.TAG_NAME, "img")
    assert browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image) == 40

    cloze = cards[2]
    assert "[collective]" in cloze.text and "ReduceScatter" not in cloze.text
    cloze.send_keys(Keys.ENTER)
    assert "ReduceScatter" in cloze.find_element(By.CSS_SELECTOR, ".re-answer").text

    search = browser.find_element(By.ID, "search")
    search.send_keys("tag:tpu")
    assert [c.is_displayed() for c in cards] == [False, True, False]
    assert browser.find_element(By.ID, "count").text == "1 of 3 cards"
    search.clear()
    search.send_keys("reducescatter")
    assert [c.is_displayed() for c in cards] == [False, False, True]

    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []


def test_preview_never_replaces_a_folder_it_did_not_write(tree, monkeypatch):
    monkeypatch.chdir(tree.root)
    tree.write("r.yaml", CARDS.replace("    extra: '![plot](media/plot.svg)'\n", ""))
    (tree.root / "notes").mkdir()
    (tree.root / "notes" / "mine.txt").write_text("the user's")
    result = CliRunner().invoke(cli, ["preview", "-o", "notes"])
    assert result.exit_code == 1 and "is not a redeck preview" in result.stderr
    assert (tree.root / "notes" / "mine.txt").read_text() == "the user's"
    inside = CliRunner().invoke(cli, ["preview", "-o", "cards"])
    assert inside.exit_code == 2 and "inside the card tree" in inside.stderr
    assert (tree.cards / "r.yaml").is_file()
    assert CliRunner().invoke(cli, ["preview", "-o", "site"]).exit_code == 0
    assert CliRunner().invoke(cli, ["preview", "-o", "site"]).exit_code == 0  # its own site it replaces
