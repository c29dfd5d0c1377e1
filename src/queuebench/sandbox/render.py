"""Shared pieces of the vendor renderers: time formats, rich text, the renderer base class.

Rich text arrives as content blocks (see :mod:`queuebench.sandbox.content`) and leaves as
plain text (Zendesk ``body``, ServiceNow fields, JSM comment bodies with ``{noformat}``),
Zendesk-style HTML (``html_body``) or Atlassian Document Format (JSM ``description``).
"""

from __future__ import annotations

import html
import random
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from queuebench.sandbox.content import Block
from queuebench.sandbox.records import AccountSpec, RawTicket
from queuebench.sandbox.skeleton import DAY, Pools, Skeleton

__all__ = [
    "Renderer",
    "epoch_millis",
    "hex32",
    "jira_time",
    "snow_duration",
    "snow_time",
    "to_adf",
    "to_html",
    "to_plain",
    "zendesk_time",
]


class Renderer(ABC):
    """Base class of the vendor renderers: one per account, holding its pools and clock."""

    def __init__(self, spec: AccountSpec, pools: Pools, seed: int, now: int) -> None:
        self.spec = spec
        self.pools = pools
        self.seed = seed
        self.now = now
        self.base = spec.base_url.rstrip("/")
        self.directory_epoch = now - 400 * DAY

    @abstractmethod
    def directory(self) -> dict[str, list[dict[str, Any]]]:
        """The vendor's directory tables for the account."""

    @abstractmethod
    def render(self, sk: Skeleton) -> RawTicket:
        """The vendor records of one ticket."""


# --- shared rendering helpers ---------------------------------------------------------------


def zendesk_time(ts: int) -> str:
    """Zendesk's resource timestamp: ``2023-09-18T23:26:00Z``."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def snow_time(ts: int) -> str:
    """ServiceNow's raw date-time: ``2020-04-07 07:26:01`` (UTC)."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts))


def snow_duration(seconds: int) -> str:
    """A ServiceNow duration: the offset from the epoch, ``1970-01-01 04:00:00``."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(max(0, seconds)))


def epoch_millis(ts: int) -> int:
    """Epoch milliseconds with a deterministic sub-second part."""
    return ts * 1000 + (ts * 7919) % 1000


def jira_time(ms: int) -> str:
    """Jira's timestamp: ``2022-10-25T20:21:33.277+0000``."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}+0000"


def _strip_marks(text: str) -> str:
    return text.replace("**", "")


def to_plain(blocks: Sequence[Block], *, wiki: bool = False) -> str:
    """Blocks as plain text; ``wiki=True`` wraps code in ``{noformat}`` as Jira users do."""
    parts: list[str] = []
    for block in blocks:
        kind = block[0]
        if kind == "p":
            parts.append(_strip_marks(block[1]))
        elif kind == "h":
            parts.append(block[1] + ":")
        elif kind == "ul":
            parts.append("\n".join(f"- {_strip_marks(item)}" for item in block[1]))
        elif kind == "ol":
            parts.append("\n".join(f"{i}. {_strip_marks(x)}" for i, x in enumerate(block[1], 1)))
        elif kind == "code":
            parts.append(f"{{noformat}}\n{block[2]}\n{{noformat}}" if wiki else block[2])
        elif kind == "table":
            parts.append("\n".join(" | ".join(row) for row in block[1]))
    return "\n\n".join(parts)


def _html_inline(text: str) -> str:
    escaped = html.escape(text, quote=False)
    parts = escaped.split("**")
    for i in range(1, len(parts), 2):
        parts[i] = f"<strong>{parts[i]}</strong>"
    return "".join(parts).replace("\n", "<br>\n")


def to_html(blocks: Sequence[Block]) -> str:
    """Blocks as Zendesk ``html_body`` markup."""
    out = ['<div class="zd-comment" dir="auto">']
    for block in blocks:
        kind = block[0]
        if kind == "p":
            out.append(f'<p dir="auto">{_html_inline(block[1])}</p>')
        elif kind == "h":
            out.append(f'<h4 dir="auto">{html.escape(block[1], quote=False)}</h4>')
        elif kind in ("ul", "ol"):
            items = "".join(f"<li>{_html_inline(x)}</li>" for x in block[1])
            out.append(f"<{kind}>{items}</{kind}>")
        elif kind == "code":
            out.append(f"<pre><code>{html.escape(block[2], quote=False)}</code></pre>")
        elif kind == "table":
            rows = "".join(
                "<tr>" + "".join(f"<td>{html.escape(c, quote=False)}</td>" for c in row) + "</tr>"
                for row in block[1]
            )
            out.append(f"<table>{rows}</table>")
    out.append("</div>")
    return "\n".join(out)


def _adf_inline(text: str) -> list[dict[str, Any]]:
    """ADF inline nodes for ``text``: `code`, **strong**, URLs as links, newlines as breaks."""
    nodes: list[dict[str, Any]] = []
    for li, line in enumerate(text.split("\n")):
        if li:
            nodes.append({"type": "hardBreak"})
        for si, seg in enumerate(line.split("`")):
            if not seg:
                continue
            if si % 2 == 1:
                nodes.append({"type": "text", "text": seg, "marks": [{"type": "code"}]})
                continue
            for bi, part in enumerate(seg.split("**")):
                if not part:
                    continue
                marks = [{"type": "strong"}] if bi % 2 == 1 else None
                nodes.extend(_adf_links(part, marks))
    return nodes


def _adf_links(text: str, marks: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if "https://" not in text:
        node: dict[str, Any] = {"type": "text", "text": text}
        if marks:
            node["marks"] = marks
        return [node]
    for wi, word in enumerate(text.split(" ")):
        piece = word if wi == 0 else " " + word
        if word.startswith("https://"):
            if wi:
                out.append({"type": "text", "text": " "})
            link_marks = [*(marks or []), {"type": "link", "attrs": {"href": word}}]
            out.append({"type": "text", "text": word, "marks": link_marks})
        else:
            node = {"type": "text", "text": piece}
            if marks:
                node["marks"] = marks
            out.append(node)
    return out


def to_adf(blocks: Sequence[Block], mention: tuple[str, str] | None) -> dict[str, Any]:
    """Blocks as an Atlassian Document Format ``doc``, optionally ending with a mention."""
    nodes: list[dict[str, Any]] = []
    for block in blocks:
        kind = block[0]
        if kind == "p":
            for para in block[1].split("\n\n"):
                nodes.append({"type": "paragraph", "content": _adf_inline(para)})
        elif kind == "h":
            nodes.append(
                {
                    "type": "heading",
                    "attrs": {"level": 3},
                    "content": [{"type": "text", "text": block[1]}],
                }
            )
        elif kind in ("ul", "ol"):
            items = [
                {
                    "type": "listItem",
                    "content": [{"type": "paragraph", "content": _adf_inline(x)}],
                }
                for x in block[1]
            ]
            if kind == "ul":
                nodes.append({"type": "bulletList", "content": items})
            else:
                nodes.append({"type": "orderedList", "attrs": {"order": 1}, "content": items})
        elif kind == "code":
            nodes.append(
                {
                    "type": "codeBlock",
                    "attrs": {"language": block[1]},
                    "content": [{"type": "text", "text": block[2]}],
                }
            )
        elif kind == "table":
            rows = []
            for r, row in enumerate(block[1]):
                cell_type = "tableHeader" if r == 0 else "tableCell"
                rows.append(
                    {
                        "type": "tableRow",
                        "content": [
                            {
                                "type": cell_type,
                                "attrs": {},
                                "content": [
                                    {"type": "paragraph", "content": [{"type": "text", "text": c}]}
                                ],
                            }
                            for c in row
                        ],
                    }
                )
            nodes.append(
                {
                    "type": "table",
                    "attrs": {"isNumberColumnEnabled": False, "layout": "default"},
                    "content": rows,
                }
            )
    if mention is not None:
        account_id, name = mention
        nodes.append(
            {
                "type": "paragraph",
                "content": [
                    {"type": "text", "text": "cc "},
                    {
                        "type": "mention",
                        "attrs": {"id": account_id, "text": f"@{name}", "accessLevel": ""},
                    },
                ],
            }
        )
    return {"type": "doc", "version": 1, "content": nodes}


def hex32(rng: random.Random) -> str:
    """A ServiceNow-style sys_id: 32 lowercase hex digits."""
    return f"{rng.getrandbits(128):032x}"
