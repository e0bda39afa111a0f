"""A reader for the YAML subset that `docker-compose config` (1.29, PyYAML safe_dump) prints.

Block mappings, block sequences (indented or not), plain/quoted scalars, `{}` and `[]`.
Anything else (anchors, multi-line scalars, other flow collections) raises ValueError, so
an unexpected shape fails the check loudly instead of being misread. Stdlib only.
"""
import json
import re

_INTEGER = re.compile(r"^-?[0-9]+$")


def _scalar(text):
    if text.startswith("'") and text.endswith("'") and len(text) >= 2:
        return text[1:-1].replace("''", "'")
    if text.startswith('"') and text.endswith('"') and len(text) >= 2:
        return json.loads(text)
    if text == "{}":
        return {}
    if text == "[]":
        return []
    if text[0] in "&*!|>[{" or text.startswith("- "):
        raise ValueError("unsupported YAML construct: %r" % text)
    if text in ("null", "~"):
        return None
    if text in ("true", "false"):
        return text == "true"
    if _INTEGER.match(text):
        return int(text)
    return text


def _split_entry(text):
    """'key: value' -> (key, value or None); None when `text` is not a mapping entry."""
    if text.endswith(":"):
        return _scalar(text[:-1]), None
    key, separator, value = text.partition(": ")
    if not separator or key.startswith(("'", '"')) != key.endswith(("'", '"')):
        return None
    return _scalar(key), value


class _Reader:
    def __init__(self, text):
        self.lines = []
        for raw in text.splitlines():
            stripped = raw.lstrip(" ")
            if stripped and not stripped.startswith("#"):
                if stripped.startswith("\t"):
                    raise ValueError("tab in indentation: %r" % raw)
                self.lines.append([len(raw) - len(stripped), stripped.rstrip()])
        self.index = 0

    def peek(self):
        return self.lines[self.index] if self.index < len(self.lines) else None

    def block(self, indent):
        line = self.peek()
        if line[1] == "-" or line[1].startswith("- "):
            return self.sequence(indent)
        return self.mapping(indent)

    def mapping(self, indent):
        result = {}
        while self.peek() and self.peek()[0] == indent and not self.peek()[1].startswith("-"):
            entry = _split_entry(self.peek()[1])
            if entry is None:
                raise ValueError("expected 'key: value', got %r" % self.peek()[1])
            key, value = entry
            self.index += 1
            if key in result:
                raise ValueError("duplicate key %r" % key)
            if value is not None:
                result[key] = _scalar(value)
                continue
            following = self.peek()
            nested = following and (following[0] > indent or (
                following[0] == indent and following[1].startswith("- ")))
            result[key] = self.block(following[0]) if nested else None
        return result

    def sequence(self, indent):
        items = []
        while self.peek() and self.peek()[0] == indent and self.peek()[1].startswith("- "):
            rest = self.peek()[1][2:].lstrip(" ")
            item_indent = indent + len(self.peek()[1]) - len(rest)
            if _split_entry(rest) is not None:
                self.lines[self.index] = [item_indent, rest]  # the item is a mapping
                items.append(self.mapping(item_indent))
            else:
                items.append(_scalar(rest))
                self.index += 1
        return items


def load(text):
    reader = _Reader(text)
    if reader.peek() is None:
        return None
    document = reader.block(reader.peek()[0])
    if reader.peek() is not None:
        raise ValueError("unexpected indentation at %r" % reader.peek()[1])
    return document
