"""Atlassian Document Format to Markdown."""

from __future__ import annotations

from typing import Any

import pytest

from queuebench.connectors.adf import adf_to_markdown, adf_to_text


def doc(*content: dict[str, Any]) -> dict[str, Any]:
    return {"type": "doc", "version": 1, "content": list(content)}


def text(value: str, *marks: dict[str, Any]) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "text", "text": value}
    if marks:
        node["marks"] = list(marks)
    return node


def para(*inlines: dict[str, Any]) -> dict[str, Any]:
    return {"type": "paragraph", "content": list(inlines)}


def item(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"type": "listItem", "content": list(blocks)}


def test_paragraphs_are_separated_by_blank_lines() -> None:
    assert adf_to_markdown(doc(para(text("one")), para(text("two")))) == "one\n\ntwo"


@pytest.mark.parametrize("level", [1, 2, 3, 6])
def test_headings(level: int) -> None:
    node = {"type": "heading", "attrs": {"level": level}, "content": [text("Impact")]}
    assert adf_to_markdown(doc(node)) == "#" * level + " Impact"


def test_inline_marks_links_mentions_and_hard_breaks() -> None:
    rendered = adf_to_markdown(
        doc(
            para(
                text("Run "),
                text("curl -v", {"type": "code"}),
                text(" then "),
                text("check", {"type": "strong"}),
                text(" and "),
                text("look ", {"type": "em"}),
                text("the docs", {"type": "link", "attrs": {"href": "https://status.acme.io/x"}}),
                {"type": "hardBreak"},
                text("cc "),
                {"type": "mention", "attrs": {"id": "5b10ac8d", "text": "@Maya Lindqvist"}},
                text(" "),
                {"type": "mention", "attrs": {"id": "712020:abc"}},
            )
        )
    )
    assert rendered == (
        "Run `curl -v` then **check** and *look* [the docs](https://status.acme.io/x)  \n"
        "cc @Maya Lindqvist @712020:abc"
    )


def test_code_mark_with_backticks_uses_a_longer_fence() -> None:
    assert adf_to_markdown(doc(para(text("a`b", {"type": "code"})))) == "``a`b``"


def test_bullet_and_ordered_lists_nest() -> None:
    nested = {
        "type": "orderedList",
        "attrs": {"order": 3},
        "content": [item(para(text("third"))), item(para(text("fourth")))],
    }
    tree = doc(
        {
            "type": "bulletList",
            "content": [item(para(text("alpha")), nested), item(para(text("beta")))],
        }
    )
    assert adf_to_markdown(tree) == "- alpha\n  3. third\n  4. fourth\n- beta"


def test_code_block_keeps_language_and_lines() -> None:
    block = {
        "type": "codeBlock",
        "attrs": {"language": "json"},
        "content": [text('{"error": "invalid_grant"}\n{"status": 400}')],
    }
    assert (
        adf_to_markdown(doc(block)) == '```json\n{"error": "invalid_grant"}\n{"status": 400}\n```'
    )
    no_lang = {"type": "codeBlock", "content": [text("x = 1")]}
    assert adf_to_markdown(doc(no_lang)) == "```\nx = 1\n```"


def test_tables_become_pipe_tables_with_escaped_pipes() -> None:
    def row(kind: str, *cells: str) -> dict[str, Any]:
        return {
            "type": "tableRow",
            "content": [{"type": kind, "attrs": {}, "content": [para(text(c))]} for c in cells],
        }

    table = {
        "type": "table",
        "content": [row("tableHeader", "Source", "Rows"), row("tableCell", "Export", "1|2")],
    }
    assert adf_to_markdown(doc(table)) == "| Source | Rows |\n|---|---|\n| Export | 1\\|2 |"


def test_panels_quotes_rules_tasks_and_small_inline_nodes() -> None:
    tree = doc(
        {"type": "panel", "attrs": {"panelType": "warning"}, "content": [para(text("Careful"))]},
        {"type": "blockquote", "content": [para(text("quoted"))]},
        {"type": "rule"},
        {
            "type": "taskList",
            "content": [
                {"type": "taskItem", "attrs": {"state": "DONE"}, "content": [text("rotate key")]},
                {"type": "taskItem", "attrs": {"state": "TODO"}, "content": [text("tell CSM")]},
            ],
        },
        para(
            {"type": "emoji", "attrs": {"shortName": ":fire:", "text": "🔥"}},
            {"type": "status", "attrs": {"text": "BLOCKED"}},
            text(" "),
            {"type": "date", "attrs": {"timestamp": "1795132800000"}},
            text(" "),
            {"type": "inlineCard", "attrs": {"url": "https://acme.io/t/1"}},
        ),
    )
    assert adf_to_markdown(tree) == (
        "> **Warning:** Careful\n\n> quoted\n\n---\n\n- [x] rotate key\n- [ ] tell CSM\n\n"
        "🔥[BLOCKED] 2026-11-20 <https://acme.io/t/1>"
    )


def test_unknown_nodes_degrade_to_their_text() -> None:
    tree = doc(
        {"type": "fancyNewBlock", "content": [para(text("kept block text"))]},
        para({"type": "sparkle", "content": [text("kept inline text")]}),
        {"type": "mystery", "text": "bare text"},
    )
    assert adf_to_markdown(tree) == "kept block text\n\nkept inline text\n\nbare text"


def test_unicode_survives() -> None:
    assert (
        adf_to_markdown(doc(para(text("Müller GmbH – 東京システム"))))
        == "Müller GmbH – 東京システム"
    )


@pytest.mark.parametrize("value", [None, {}, {"type": "doc"}, {"type": "doc", "content": "x"}])
def test_empty_or_malformed_documents_render_empty(value: Any) -> None:
    assert adf_to_markdown(value) == ""


def test_plain_text_extraction() -> None:
    tree = doc(para(text("a "), text("b", {"type": "strong"})), para(text("c")))
    assert adf_to_text(tree) == "a b\nc"
