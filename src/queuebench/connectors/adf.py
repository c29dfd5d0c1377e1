"""Atlassian Document Format (ADF) to Markdown.

Jira's v3 REST API returns rich text (issue ``description``, platform comment ``body``) as an
ADF tree: ``{"type": "doc", "version": 1, "content": [...]}``. :func:`adf_to_markdown` renders
it as CommonMark-ish Markdown for the ticket view:

- block nodes: ``paragraph``, ``heading`` (level 1–6), ``bulletList``, ``orderedList`` (with
  ``attrs.order``), ``listItem`` (nested lists indent), ``codeBlock`` (fenced, with
  ``attrs.language``), ``blockquote``, ``rule``, ``panel`` (a quote prefixed with its type),
  ``expand``/``nestedExpand`` (title in bold, then the body), ``table`` (a pipe table; the
  first row is the header), ``taskList``/``taskItem`` (``- [ ]``/``- [x]``),
  ``decisionList``/``decisionItem``, ``mediaSingle``/``mediaGroup``/``media``
  (``[attachment: name]``), ``blockCard``/``embedCard`` (the URL);
- inline nodes: ``text`` with marks ``code``, ``strong``, ``em``, ``strike``, ``link``
  (``underline``, ``textColor``, ``subsup`` degrade to plain text), ``hardBreak`` (a Markdown
  hard break), ``mention`` (``@Name``), ``emoji`` (its text or short name), ``inlineCard`` (the
  URL), ``status`` (``[TEXT]``), ``date`` (ISO date from ``attrs.timestamp``);
- any other node degrades to the text of its children, so nothing a customer wrote is lost.

The function is pure and never raises on unexpected shapes: a non-dict node renders as ``""``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

__all__ = ["adf_to_markdown", "adf_to_text"]

_BLOCK_SEP = "\n\n"


def adf_to_markdown(doc: Mapping[str, Any] | None) -> str:
    """Render an ADF document (or any ADF node) as Markdown text without trailing newline."""
    if not isinstance(doc, Mapping):
        return ""
    if _kind(doc) == "doc":
        return _blocks(doc.get("content"), "").strip("\n")
    return _block(doc, "").strip("\n")


def adf_to_text(doc: Mapping[str, Any] | None) -> str:
    """The plain text of an ADF tree: every ``text`` leaf, blocks separated by newlines."""
    if not isinstance(doc, Mapping):
        return ""
    return _plain(doc).strip()


# --- blocks ---------------------------------------------------------------------------------


def _kind(node: Mapping[str, Any]) -> str:
    kind = node.get("type")
    return kind if isinstance(kind, str) else ""


def _children(node: Mapping[str, Any]) -> Sequence[Any]:
    content = node.get("content")
    return content if isinstance(content, list) else []


def _attrs(node: Mapping[str, Any]) -> Mapping[str, Any]:
    attrs = node.get("attrs")
    return attrs if isinstance(attrs, Mapping) else {}


def _blocks(content: Any, indent: str) -> str:
    if not isinstance(content, list):
        return ""
    parts = [_block(child, indent) for child in content]
    return _BLOCK_SEP.join(p for p in parts if p.strip())


def _block(node: Any, indent: str) -> str:
    if not isinstance(node, Mapping):
        return ""
    kind = _kind(node)
    attrs = _attrs(node)
    if kind == "paragraph":
        return _indent(_inlines(_children(node)), indent)
    if kind == "heading":
        level = attrs.get("level", 1)
        level = level if isinstance(level, int) and 1 <= level <= 6 else 1
        return indent + "#" * level + " " + _inlines(_children(node)).replace("\n", " ")
    if kind == "bulletList":
        return _list(node, indent, ordered=False)
    if kind == "orderedList":
        return _list(node, indent, ordered=True)
    if kind == "taskList":
        return "\n".join(_task_item(item, indent) for item in _children(node))
    if kind == "decisionList":
        return "\n".join(_decision_item(item, indent) for item in _children(node))
    if kind == "codeBlock":
        lang = attrs.get("language")
        lang = lang if isinstance(lang, str) else ""
        code = "".join(_text_of(c) for c in _children(node))
        fence = "````" if "```" in code else "```"
        lines = [fence + lang, *code.split("\n"), fence]
        return "\n".join(indent + line for line in lines)
    if kind == "blockquote":
        return _quote(_blocks(node.get("content"), ""), indent)
    if kind == "panel":
        panel_type = attrs.get("panelType")
        body = _blocks(node.get("content"), "")
        label = f"**{str(panel_type).capitalize()}:** " if isinstance(panel_type, str) else ""
        return _quote(label + body, indent)
    if kind in ("expand", "nestedExpand"):
        title = attrs.get("title")
        body = _blocks(node.get("content"), indent)
        head = f"{indent}**{title}**" if isinstance(title, str) and title else ""
        return _BLOCK_SEP.join(p for p in (head, body) if p)
    if kind == "rule":
        return indent + "---"
    if kind == "table":
        return _table(node, indent)
    if kind in ("mediaSingle", "mediaGroup"):
        return _indent(" ".join(_media(c) for c in _children(node)), indent)
    if kind == "media":
        return _indent(_media(node), indent)
    if kind in ("blockCard", "embedCard"):
        url = attrs.get("url")
        return _indent(f"<{url}>", indent) if isinstance(url, str) else ""
    if kind in ("text", "hardBreak", "mention", "emoji", "inlineCard", "status", "date"):
        return _indent(_inlines([node]), indent)
    # Unknown node: keep whatever it contains, block-wise if it has block children.
    children = _children(node)
    if children and all(isinstance(c, Mapping) and _kind(c) not in _INLINE_TYPES for c in children):
        return _blocks(children, indent)
    if children:
        return _indent(_inlines(children), indent)
    text = node.get("text")
    return _indent(text, indent) if isinstance(text, str) else ""


_INLINE_TYPES = frozenset(
    {"text", "hardBreak", "mention", "emoji", "inlineCard", "status", "date", "placeholder"}
)


def _indent(text: str, indent: str) -> str:
    if not indent:
        return text
    return "\n".join(indent + line if line else line for line in text.split("\n"))


def _quote(text: str, indent: str) -> str:
    return "\n".join(f"{indent}> {line}".rstrip() for line in text.split("\n"))


def _list(node: Mapping[str, Any], indent: str, *, ordered: bool) -> str:
    start = _attrs(node).get("order", 1) if ordered else 1
    number = start if isinstance(start, int) and start >= 0 else 1
    lines: list[str] = []
    for item in _children(node):
        marker = f"{number}. " if ordered else "- "
        lines.append(_list_item(item, indent, marker))
        number += 1
    return "\n".join(lines)


def _list_item(item: Any, indent: str, marker: str) -> str:
    if not isinstance(item, Mapping):
        return ""
    child_indent = indent + " " * len(marker)
    parts: list[str] = []
    for i, child in enumerate(_children(item)):
        if i == 0 and isinstance(child, Mapping) and _kind(child) == "paragraph":
            text = _inlines(_children(child))
            first, _, rest = text.partition("\n")
            parts.append(
                indent + marker + first + ("\n" + _indent(rest, child_indent) if rest else "")
            )
            continue
        rendered = _block(child, child_indent)
        if i == 0:
            parts.append(indent + marker + rendered.lstrip())
        else:
            parts.append(rendered)
    if not parts:
        return indent + marker.rstrip()
    return "\n".join(parts)


def _task_item(item: Any, indent: str) -> str:
    if not isinstance(item, Mapping):
        return ""
    done = _attrs(item).get("state") == "DONE"
    return f"{indent}- [{'x' if done else ' '}] " + _inlines(_children(item)).replace("\n", " ")


def _decision_item(item: Any, indent: str) -> str:
    if not isinstance(item, Mapping):
        return ""
    return f"{indent}- Decision: " + _inlines(_children(item)).replace("\n", " ")


def _media(node: Any) -> str:
    if not isinstance(node, Mapping):
        return ""
    attrs = _attrs(node)
    name = attrs.get("alt") or attrs.get("id") or "file"
    return f"[attachment: {name}]"


def _table(node: Mapping[str, Any], indent: str) -> str:
    rows: list[list[str]] = []
    for row in _children(node):
        if not isinstance(row, Mapping):
            continue
        cells = []
        for cell in _children(row):
            if not isinstance(cell, Mapping):
                continue
            text = _blocks(cell.get("content"), "").replace("\n\n", " ").replace("\n", " ")
            cells.append(text.replace("|", "\\|").strip())
        rows.append(cells)
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * width]
    lines.extend("| " + " | ".join(r) + " |" for r in rows[1:])
    return "\n".join(indent + line for line in lines)


# --- inlines --------------------------------------------------------------------------------


def _inlines(nodes: Sequence[Any]) -> str:
    return "".join(_inline(n) for n in nodes)


def _inline(node: Any) -> str:
    if not isinstance(node, Mapping):
        return ""
    kind = _kind(node)
    attrs = _attrs(node)
    if kind == "text":
        text = node.get("text")
        return _marked(text if isinstance(text, str) else "", node.get("marks"))
    if kind == "hardBreak":
        return "  \n"
    if kind == "mention":
        name = attrs.get("text") or attrs.get("id") or "someone"
        name = str(name)
        return name if name.startswith("@") else "@" + name
    if kind == "emoji":
        return str(attrs.get("text") or attrs.get("shortName") or "")
    if kind == "inlineCard":
        url = attrs.get("url")
        return f"<{url}>" if isinstance(url, str) else ""
    if kind == "status":
        return f"[{attrs.get('text', '')}]"
    if kind == "date":
        return _date(attrs.get("timestamp"))
    children = _children(node)
    if children:
        return _inlines(children)
    text = node.get("text")
    return text if isinstance(text, str) else ""


def _date(timestamp: Any) -> str:
    try:
        millis = int(timestamp)
    except (TypeError, ValueError):
        return ""
    return datetime.fromtimestamp(millis / 1000, tz=UTC).date().isoformat()


def _marked(text: str, marks: Any) -> str:
    if not text or not isinstance(marks, list):
        return text
    kinds = {_kind(m): m for m in marks if isinstance(m, Mapping)}
    if "code" in kinds:
        fence = "``" if "`" in text else "`"
        pad = " " if text.startswith("`") or text.endswith("`") else ""
        text = f"{fence}{pad}{text}{pad}{fence}"
    else:
        # Keep surrounding spaces outside the emphasis markers, as Markdown requires.
        stripped = text.strip()
        if stripped:
            lead = text[: len(text) - len(text.lstrip())]
            trail = text[len(text.rstrip()) :]
            core = stripped
            if "strike" in kinds:
                core = f"~~{core}~~"
            if "em" in kinds:
                core = f"*{core}*"
            if "strong" in kinds:
                core = f"**{core}**"
            text = lead + core + trail
    link = kinds.get("link")
    if link is not None:
        href = _attrs(link).get("href")
        if isinstance(href, str) and href:
            text = f"[{text}]({href})"
    return text


# --- plain text -----------------------------------------------------------------------------


def _text_of(node: Any) -> str:
    if not isinstance(node, Mapping):
        return ""
    if _kind(node) == "text":
        text = node.get("text")
        return text if isinstance(text, str) else ""
    if _kind(node) == "hardBreak":
        return "\n"
    return "".join(_text_of(c) for c in _children(node))


def _plain(node: Mapping[str, Any]) -> str:
    kind = _kind(node)
    if kind in _INLINE_TYPES:
        return _inline(node) if kind != "text" else str(node.get("text", ""))
    children = _children(node)
    if not children:
        text = node.get("text")
        return text if isinstance(text, str) else ""
    if all(isinstance(c, Mapping) and _kind(c) in _INLINE_TYPES for c in children):
        return "".join(_plain(c) if _kind(c) != "hardBreak" else "\n" for c in children)
    return "\n".join(_plain(c) for c in children if isinstance(c, Mapping))
