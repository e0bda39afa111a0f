"""A reader for the YAML subset of ringkv's deploy files: what `docker-compose config`
(1.29, PyYAML safe_dump) prints, the sweep workflow and the Kubernetes manifests.

Block mappings, block sequences (indented or not), plain/quoted scalars, `{}` and `[]`,
literal block scalars (`|` and `|-`: the shell scripts of a manifest) and documents
separated by `---` (load_all). Anything else (anchors, folded or kept block scalars, other
flow collections, a comment after a value) raises ValueError, so an unexpected shape fails
the check loudly instead of being misread. Stdlib only.
"""
import json
import re

_INTEGER = re.compile(r"^-?[0-9]+$")
_LITERAL_HEADERS = {"|": "\n", "|-": ""}  # header -> what ends the text (clip or strip)


def _scalar(text):
    if text.startswith("'") and text.endswith("'") and len(text) >= 2:
        return text[1:-1].replace("''", "'")
    if text.startswith('"') and text.endswith('"') and len(text) >= 2:
        return json.loads(text)
    if text == "{}":
        return {}
    if text == "[]":
        return []
    if text[0] in "&*!|>[{'\"" or text.startswith("- "):
        raise ValueError("unsupported YAML construct: %r" % text)
    if " #" in text:
        raise ValueError("a comment after a value is not supported: %r" % text)
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


def _indent_of(raw):
    return len(raw) - len(raw.lstrip(" "))


class _Reader:
    def __init__(self, text):
        self.raw = text.splitlines()
        self.index = 0

    def peek(self):
        """[indent, text] of the next line that is neither blank nor a comment."""
        while self.index < len(self.raw):
            stripped = self.raw[self.index].lstrip(" ")
            if stripped.startswith("\t"):
                raise ValueError("tab in indentation: %r" % self.raw[self.index])
            if stripped.strip() and not stripped.startswith("#"):
                return [_indent_of(self.raw[self.index]), stripped.rstrip()]
            self.index += 1
        return None

    def block(self, indent):
        line = self.peek()
        if line[1] == "-" or line[1].startswith("- "):
            return self.sequence(indent)
        return self.mapping(indent)

    def literal(self, parent_indent, header):
        """The lines after a `|` header, more indented than its parent, as one string."""
        if header not in _LITERAL_HEADERS:
            raise ValueError("unsupported block scalar header: %r" % header)
        lines = []
        while self.index < len(self.raw):
            raw = self.raw[self.index].rstrip("\n")
            if raw.strip(" ") and _indent_of(raw) <= parent_indent:
                break
            lines.append(raw)
            self.index += 1
        while lines and not lines[-1].strip(" "):
            lines.pop()  # trailing blank lines belong to no scalar
        if not lines:
            return ""
        content_indent = _indent_of(lines[0])
        for line in lines:
            if line.strip(" ") and _indent_of(line) < content_indent:
                raise ValueError("block scalar line less indented than its first: %r" % line)
        return "\n".join(line[content_indent:] for line in lines) + _LITERAL_HEADERS[header]

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
            if value is not None and value.startswith("|"):
                result[key] = self.literal(indent, value)
                continue
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
                self.raw[self.index] = " " * item_indent + rest  # the item is a mapping
                items.append(self.mapping(item_indent))
            elif rest.startswith("|"):
                self.index += 1
                items.append(self.literal(indent, rest))
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


def load_all(text):
    """The documents of a `---`-separated stream; comment-only parts are no document."""
    parts = [[]]
    for line in text.splitlines():
        if line.rstrip() == "---":
            parts.append([])
        elif line.startswith(("---", "...")):
            raise ValueError("unsupported document marker: %r" % line)
        else:
            parts[-1].append(line)
    documents = [load("\n".join(part)) for part in parts]
    return [document for document in documents if document is not None]
