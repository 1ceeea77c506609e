"""Property tests: whatever is in a card file, the outcome is a package or path:line:col errors."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pyromark
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import BASIC_FILE
from redeck.cli import cli
from redeck.media import Media
from redeck.render import MARKDOWN_OPTIONS, MARKDOWN_SYNTAX, Renderer

PROBLEM_LINE = re.compile(r"^cards/[^:\n]+\.yaml:\d+:\d+: error: .+ \[[a-z-]+\]$")
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Pieces that matter to YAML and to the card format, so mutations hit interesting places.
YAML_BITS = st.sampled_from(
    [":", ": ", "- ", "\n", "\n  ", "\t", "'", '"', "{", "}", "[", "]", "&a ", "*a", "!!python/name:os.system ", "!!binary ",
     "#", "|", ">", "---\n", "{{c1::", "}}", "::", " ", "id: ", "cards:", "deck:", "\x00", "\xe9", "\ufeff", "\\", "%",
     # images, the one thing only the renderer sees whole: present, missing, escaping, by reference
     "![a](media/ok.png)", "![a](media/gone.png)", "![x](../../etc/passwd)", "<img src=\"media/ok.png\">", "![p][r]",
     "\n\n    [r]:\n      media/gone.png\n", "`![c](media/gone.png)`", "%2e%2e/", "\\x3Cimg src=x>"]
)  # fmt: skip


@st.composite
def mutated_files(draw: st.DrawFn) -> bytes:
    """A valid card file with a few pieces inserted, deleted or replaced, sometimes as bad bytes."""
    text = BASIC_FILE
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        end = min(len(text), at + draw(st.integers(0, 12)))
        piece = draw(st.one_of(YAML_BITS, st.text(max_size=6)))
        text = text[:at] + piece + text[end:]
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.booleans()) and draw(st.booleans()):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=4)) + data[at:]
    return data


def run_in(root: Path, *args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def assert_package_or_errors(root: Path, command: str, monkeypatch) -> None:
    monkeypatch.chdir(root)
    result = run_in(root, command)
    assert "internal error" not in result.stderr and "Traceback" not in result.output
    assert result.exit_code in (0, 1), result.output
    if result.exit_code == 1:
        lines = result.stdout.splitlines()
        assert lines and all(PROBLEM_LINE.match(line) for line in lines), lines
    elif command == "build":
        assert (root / "build" / "research-engineering.apkg").is_file()


@SETTINGS
@given(data=mutated_files())
def test_mutated_files_give_a_package_or_located_errors(tmp_path_factory, monkeypatch, data):
    root = tmp_path_factory.mktemp("tree")
    (root / "cards").mkdir()
    (root / "cards" / "t.yaml").write_bytes(data)
    assert_package_or_errors(root, "check", monkeypatch)
    assert_package_or_errors(root, "build", monkeypatch)


# Markdown that names images in every way the renderer knows, for fields built line by line.
IMAGE_LINES = st.sampled_from(
    ["![a](media/ok.png)", "![a](media/gone.png)", "![x](../../etc/passwd)", '<img src="media/ok.png">', "![p][r]", "![r]",
     "[r]:", "[r]: media/gone.png", "[r]: media/ok.png", "  media/gone.png", "  <media/gone.png>", "`![c](media/gone.png)`",
     "```", "<!--", "-->", "- ![l](media/gone%2Epng)", "![e](media/ok%2Epng)", "![s](media/gone.png 'title')", "", "text",
     "![p][r]\n\n[r]:\n  media/gone.png", "[r]:\n  media/ok.png"]
)  # fmt: skip


@st.composite
def image_files(draw: st.DrawFn) -> bytes:
    """A card file whose answer is a block of Markdown lines naming images, sometimes mutated further."""
    lines = draw(st.lists(IMAGE_LINES, min_size=1, max_size=8))
    block = "".join(f"      {part}\n" for line in lines for part in line.split("\n"))
    return f"deck: D\nsource: S\ncards:\n  - id: image-card\n    front: Which image?\n    back: |\n{block}".encode()


@SETTINGS
@given(data=st.one_of(mutated_files(), image_files()))
def test_check_reports_exactly_what_build_reports(tmp_path_factory, monkeypatch, data):
    """One pipeline: for every input, check and build give the same problems and the same exit status."""
    root = tmp_path_factory.mktemp("tree")
    (root / "cards" / "media").mkdir(parents=True)
    (root / "cards" / "media" / "ok.png").write_bytes(b"\x89PNG")
    (root / "cards" / "t.yaml").write_bytes(data)
    monkeypatch.chdir(root)
    checked, built = run_in(root, "check"), run_in(root, "build")
    assert (checked.exit_code, checked.stdout) == (built.exit_code, built.stdout)


@SETTINGS
@given(
    data=st.one_of(
        st.binary(max_size=200), st.lists(st.one_of(YAML_BITS, st.text(max_size=3)), max_size=40).map("".join).map(str.encode)
    )
)
def test_random_files_give_located_errors(tmp_path_factory, monkeypatch, data):
    root = tmp_path_factory.mktemp("tree")
    (root / "cards").mkdir()
    (root / "cards" / "t.yaml").write_bytes(data)
    assert_package_or_errors(root, "build", monkeypatch)


@settings(max_examples=500)
@given(st.text(alphabet="ab :", max_size=12))
def test_the_schema_and_check_agree_on_deck_paths(deck):
    """An editor's schema must accept exactly the deck paths `check` accepts ("272 Kernels: Triton" included)."""
    from redeck.check import check_deck
    from redeck.model import Position, Text
    from redeck.schema import DECK_REGEX

    checked = not list(check_deck(Text(deck, Position("t.yaml", 1, 1))))
    assert checked == bool(re.match(DECK_REGEX, deck)), deck


@settings(max_examples=300)
@given(st.text(max_size=80))
def test_plain_text_fast_path_matches_the_markdown_renderer(text):
    """Fields without Markdown syntax skip the parser; the HTML must mean the same as the parser's."""
    assume(not MARKDOWN_SYNTAX.search(text.strip()) and text.strip())
    fast = Renderer(Media(Path("."))).markdown(text, Path("."))
    full = pyromark.html(text.strip(), options=MARKDOWN_OPTIONS).strip()
    full = full.removeprefix("<p>").removesuffix("</p>")
    assert html.unescape(fast) == html.unescape(full)
