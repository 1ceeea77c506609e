"""redeck: compile flashcards written in YAML into an Anki package that re-imports in place."""

__version__ = "0.1.0"
