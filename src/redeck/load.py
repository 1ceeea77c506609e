"""Load: read card files (YAML) into cards that remember where each value was written."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import yaml

from redeck.model import Card, Position, Problem, Silence, Text, excerpt

FILE_KEYS = ("deck", "description", "tags", "source", "cards")
CARD_KEYS = ("id", "front", "back", "cloze", "extra", "source", "tags", "reverse", "lint")
TEXT_KEYS = ("front", "back", "cloze", "extra", "source")
BOOLEANS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
# Tags a card file may carry; anything else (``!!python/object``, ``!!binary``, custom tags)
# is refused rather than constructed. The values themselves are always kept as text.
SAFE_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq")}
# A small file whose aliases expand to more nodes, or more characters of text, than this is an alias
# bomb: a 100 KB anchor used 2,000 times is 200 MB of text to check and render.
MAX_EXPANDED_NODES = 100_000
MAX_EXPANDED_CHARS = 4_000_000


class _Loader(getattr(yaml, "CBaseLoader", yaml.BaseLoader)):  # type: ignore[misc]
    """PyYAML's base loader: no implicit types, so `1.50`, `no` and `2025-01-01` stay text."""

    # The composer asks for the tag of every untagged node; with no implicit types it is always
    # the default for the node's kind, which this answers without BaseResolver's general search.
    _DEFAULT_TAGS = {
        yaml.ScalarNode: yaml.resolver.BaseResolver.DEFAULT_SCALAR_TAG,
        yaml.SequenceNode: yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG,
        yaml.MappingNode: yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    }

    def resolve(self, kind: type, value: object, implicit: object) -> str:
        return self._DEFAULT_TAGS[kind]


def load_tree(cards_dir: Path) -> tuple[list[Card], list[Problem]]:
    """Load every card file under ``cards_dir``; cards come in build order."""
    cards: list[Card] = []
    problems: list[Problem] = []
    from redeck.tree import card_files

    for card_file in card_files(cards_dir):
        if card_file.problem is not None:
            problems.append(card_file.problem)
            continue
        file_cards, file_problems = load_file(card_file.path, top_folder=card_file.top_folder)
        cards.extend(file_cards)
        problems.extend(file_problems)
    return cards, problems


def load_file(path: Path, top_folder: str = "") -> tuple[list[Card], list[Problem]]:
    """Load one card file; problems in it are returned, never raised."""
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return [], [unreadable(path, exc)]
    text, problem = decode(data, name)
    if problem:
        return [], [problem]
    return load_text(text, path, top_folder)


def unreadable(path: Path, exc: OSError) -> Problem:
    """The problem for a card file that cannot be read at all."""
    return Problem(str(path), 1, 1, "error", "io", f"cannot read file: {exc.strerror}")


def decode(data: bytes, name: str) -> tuple[str, Problem | None]:
    """The text of a card file, or the problem that makes it unreadable as UTF-8 text."""
    nul = data.find(b"\0")
    if nul >= 0:
        line, col = _byte_position(data, nul)
        return "", Problem(name, line, col, "error", "encoding", "binary file (NUL byte); card files are UTF-8 text")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line, col = _byte_position(data, exc.start)
        byte = data[exc.start]
        return "", Problem(name, line, col, "error", "encoding", f"not valid UTF-8 (byte 0x{byte:02x})")


def load_text(text: str, path: Path, top_folder: str = "") -> tuple[list[Card], list[Problem]]:
    """Load the text of one card file named ``path``."""
    root, problems = compose(text, str(path), "a mapping with 'deck' and 'cards'")
    if root is None:
        return [], problems
    return FileReader(path, text, top_folder).read(root)


def compose(text: str, name: str, expected: str) -> tuple[yaml.Node | None, list[Problem]]:
    """The YAML node tree of a document (no values constructed), or the problem that stops it."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_problem(exc, name, text)]
    except yaml.YAMLError as exc:  # ReaderError: a character YAML does not allow
        line, col = _char_position(text, getattr(exc, "position", 0))
        return None, [Problem(name, line, col, "error", "yaml", f"YAML syntax error: {_reader_message(exc)}")]
    except RecursionError:
        return None, [Problem(name, 1, 1, "error", "yaml", "YAML nested too deeply")]
    if root is None:
        return None, [Problem(name, 1, 1, "error", "structure", f"empty file: expected {expected}")]
    return root, []


class FileReader:
    """Walks one composed YAML document and turns it into cards, collecting problems; the deck file's reader builds on it."""

    def __init__(self, path: Path, text: str, top_folder: str) -> None:
        self.path = path
        self.name = str(path)
        self.text = text
        self.lines: list[str] | None = None
        self.top_folder = top_folder
        self.description: Text | None = None
        self.problems: list[Problem] = []

    def read(self, root: yaml.Node) -> tuple[list[Card], list[Problem]]:
        if "&" in self.text and not self._aliases_ok(root):
            return [], self.problems
        if not isinstance(root, yaml.MappingNode):
            self.error(root, "structure", "a card file must be a mapping with 'deck' and 'cards'")
            return [], self.problems
        values = self.mapping(root, FILE_KEYS, "file")
        deck = self.text_value(values.get("deck"), "deck")
        self.description = self.text_value(values.get("description"), "description")
        file_tags = self.text_list(values.get("tags"), "tags")
        file_source = self.text_value(values.get("source"), "source")
        if "deck" not in values:
            self.error(root, "structure", "missing required key 'deck'")
        cards_node = values.get("cards")
        cards: list[Card] = []
        if cards_node is None:
            self.error(root, "structure", "missing required key 'cards'")
        elif not isinstance(cards_node, yaml.SequenceNode):
            self.error(cards_node, "structure", f"'cards' must be a list of cards, not {_kind(cards_node)}")
        else:
            for node in cards_node.value:
                card = self.card(node, deck, file_tags, file_source)
                if card:
                    cards.append(card)
        return cards, self.problems

    def card(self, node: yaml.Node, deck: Text | None, file_tags: tuple[Text, ...], file_source: Text | None) -> Card | None:
        if not isinstance(node, yaml.MappingNode):
            self.error(node, "structure", f"a card must be a mapping with an 'id', not {_kind(node)}")
            return None
        values = self.mapping(node, CARD_KEYS, "card")
        texts = dict.fromkeys(TEXT_KEYS)
        for key, value_node in values.items():
            if key in texts or key == "id":
                texts[key] = self.text_value(value_node, key)
        tags = self.text_list(values.get("tags"), "tags")
        lint = self.silences(values.get("lint"))
        reverse = self.boolean(values.get("reverse"), "reverse")
        card_id = texts.pop("id", None)
        if "id" not in values:
            self.error(node, "structure", "card has no 'id'")
        if card_id is None or deck is None:
            return None
        return Card(
            id=card_id,
            deck=deck,
            file=self.path,
            pos=self.position(node),
            deck_description=self.description,
            front=texts["front"],
            back=texts["back"],
            cloze=texts["cloze"],
            extra=texts["extra"],
            source=texts["source"] or file_source,
            tags=file_tags + tags,
            reverse=reverse,
            lint=lint,
            top_folder=self.top_folder,
        )

    def mapping(self, node: yaml.MappingNode, allowed: tuple[str, ...], what: str) -> dict[str, yaml.Node]:
        """The node's values by key; unknown, repeated and non-text keys are problems."""
        values: dict[str, yaml.Node] = {}
        first: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            if (key_node.tag not in SAFE_TAGS or value_node.tag not in SAFE_TAGS) and not (
                self.safe(key_node) and self.safe(value_node)
            ):
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.error(key_node, "structure", f"a {what} key must be text, not {_kind(key_node)}")
                continue
            key = key_node.value
            if key in first:
                self.error(
                    key_node, "structure", f"duplicate key '{excerpt(key)}' (first at line {first[key].start_mark.line + 1})"
                )
                continue
            first[key] = key_node
            if key not in allowed:
                self.error(key_node, "unknown-key", f"unknown {what} key '{excerpt(key)}' (allowed: {', '.join(allowed)})")
                continue
            values[key] = value_node
        return values

    def text_value(self, node: yaml.Node | None, key: str) -> Text | None:
        if node is None:
            return None
        if not isinstance(node, yaml.ScalarNode):
            self.error(node, "structure", f"'{key}' must be text, not {_kind(node)}")
            return None
        return self.text_of(node)

    def text_list(self, node: yaml.Node | None, key: str) -> tuple[Text, ...]:
        if node is None:
            return ()
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, "structure", f"'{key}' must be a list, e.g. {key}: [a, b]")
            return ()
        items = []
        for item in node.value:
            if not self.safe(item):
                continue
            if isinstance(item, yaml.ScalarNode):
                items.append(self.text_of(item))
            else:
                self.error(item, "structure", f"each entry of '{key}' must be text, not {_kind(item)}")
        return tuple(items)

    def silences(self, node: yaml.Node | None) -> tuple[Silence, ...]:
        """``lint: [rule, ...]`` or, with the reason for each, ``lint: {rule: reason, ...}``."""
        if not isinstance(node, yaml.MappingNode):
            return tuple(Silence(rule) for rule in self.text_list(node, "lint"))
        silences = []
        for key_node, value_node in node.value:
            if not (self.safe(key_node) and self.safe(value_node)):
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.error(key_node, "structure", f"a rule name under 'lint' must be text, not {_kind(key_node)}")
                continue
            silences.append(Silence(self.text_of(key_node), self.text_value(value_node, f"lint: {excerpt(key_node.value)}")))
        return tuple(silences)

    def boolean(self, node: yaml.Node | None, key: str) -> bool:
        if node is None:
            return False
        if isinstance(node, yaml.ScalarNode) and node.value in BOOLEANS:
            return BOOLEANS[node.value]
        self.error(node, "structure", f"'{key}' must be true or false")
        return False

    def text_of(self, node: yaml.ScalarNode) -> Text:
        pos = self.position(node)
        if node.style in ("|", ">"):
            line, indent = self.block_start(node.start_mark.line)
            return Text(node.value, pos, block_line=line, block_indent=indent)
        return Text(node.value, pos, quoted=node.style in ("'", '"'))

    def block_start(self, indicator_line: int) -> tuple[int, int]:
        """The 1-based first content line of a block scalar and its indentation."""
        if self.lines is None:
            self.lines = self.text.splitlines()
        for index in range(indicator_line + 1, len(self.lines)):
            line = self.lines[index]
            if line.strip():
                return indicator_line + 2, len(line) - len(line.lstrip(" "))
        return indicator_line + 2, 0

    def safe(self, node: yaml.Node) -> bool:
        if node.tag in SAFE_TAGS:
            return True
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        self.error(
            node, "unsafe-tag", f"YAML tag '{excerpt(tag)}' is not allowed; card files hold plain text, lists and mappings"
        )
        return False

    def _aliases_ok(self, root: yaml.Node) -> bool:
        """Refuse documents whose aliases would expand to a huge tree, without expanding them."""
        size: dict[int, int] = {}
        chars: dict[int, int] = {}
        stack: list[tuple[yaml.Node, bool]] = [(root, False)]
        active: set[int] = set()
        while stack:
            node, done = stack.pop()
            key = id(node)
            if done:
                active.discard(key)
                children = list(_children(node))
                size[key] = 1 + sum(size[id(child)] for child in children)
                chars[key] = sum(chars[id(child)] for child in children) if children else len(node.value)
                if size[key] > MAX_EXPANDED_NODES:
                    self.error(
                        root, "alias-bomb", f"YAML aliases expand this file to over {MAX_EXPANDED_NODES} values; refusing it"
                    )
                    return False
                if chars[key] > MAX_EXPANDED_CHARS:
                    self.error(root, "alias-bomb",
                               f"YAML aliases expand this file to over {MAX_EXPANDED_CHARS:,} characters of text; refusing it")  # fmt: skip
                    return False
                continue
            if key in size:
                continue
            if key in active:
                self.error(node, "alias-bomb", "recursive YAML alias")
                return False
            active.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node) if id(child) not in size)
        return True

    def position(self, node: yaml.Node) -> Position:
        return Position(self.name, node.start_mark.line + 1, node.start_mark.column + 1)

    def error(self, node: yaml.Node, rule: str, message: str) -> None:
        self.problems.append(Problem.at(self.position(node), rule, message))


def _children(node: yaml.Node) -> Iterator[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        yield from node.value
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield key
            yield value


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return f"text '{excerpt(node.value)}'" if node.value else "empty"


def _syntax_problem(exc: yaml.MarkedYAMLError, name: str, text: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    message = exc.problem or exc.context or "invalid YAML"
    lines = text.splitlines()
    at_tab = line <= len(lines) and "\t" in lines[line - 1][: max(col, 1)]
    if at_tab or "'\\t'" in message:
        tab_col = lines[line - 1].find("\t") + 1 if line <= len(lines) and "\t" in lines[line - 1] else col
        return Problem(name, line, tab_col, "error", "yaml", "tab character: indent YAML with spaces, not tabs")
    if exc.context and exc.problem:
        message = f"{exc.problem} ({exc.context})"
    return Problem(name, line, col, "error", "yaml", f"YAML syntax error: {message}")


def _reader_message(exc: yaml.YAMLError) -> str:
    character = getattr(exc, "character", None)
    if isinstance(character, str):
        return f"character U+{ord(character):04X} is not allowed in YAML"
    return str(exc).splitlines()[0]


def _byte_position(data: bytes, offset: int) -> tuple[int, int]:
    line_start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", errors="replace")) + 1
    return data.count(b"\n", 0, offset) + 1, column


def _char_position(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1
