"""Readers for the vendor material in ``tests/fixtures/specs`` and a small OpenAPI checker."""

from __future__ import annotations

import base64
import gzip
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

SPECS = Path(__file__).resolve().parent.parent / "fixtures" / "specs"


@cache
def zendesk_recorded_bodies(name: str) -> tuple[Any, ...]:
    """Decoded JSON bodies of one Betamax cassette (base64 + gzip)."""
    cassette = json.loads((SPECS / "zendesk" / name).read_text(encoding="utf-8"))
    bodies = []
    for interaction in cassette["http_interactions"]:
        body = interaction["response"]["body"]
        raw = base64.b64decode(body["base64_string"]) if "base64_string" in body else b""
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        if raw:
            bodies.append(json.loads(raw))
    return tuple(bodies)


def zendesk_recorded_tickets() -> list[dict[str, Any]]:
    """Every ticket object in the recorded ticket and incremental-export responses."""
    tickets: list[dict[str, Any]] = []
    for name in (
        "TicketsIncrementalTest.test_get_values.json",
        "TestTicketsPagination.test_values.json",
    ):
        for body in zendesk_recorded_bodies(name):
            tickets.extend(body.get("tickets", []))
    return tickets


def zendesk_recorded_comments() -> list[dict[str, Any]]:
    """Every ``Comment`` event of the recorded audit responses."""
    comments = []
    for body in zendesk_recorded_bodies("TestTicketAudits.test_values.json"):
        for audit in body.get("audits", []):
            comments.extend(e for e in audit["events"] if e.get("type") == "Comment")
    return comments


def yaml_example_item_keys(yaml_name: str, schema: str, list_key: str) -> set[str]:
    """Keys of the first list item under ``example.<list_key>`` of an OpenAPI YAML schema.

    A deliberately small reader for the block-style examples in Zendesk's OpenAPI files (no YAML
    library is a dependency): it finds ``<schema>:``, then ``<list_key>:`` inside its example,
    and collects the keys at the indentation of the first ``- key:`` line.
    """
    lines = (SPECS / "zendesk" / yaml_name).read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == f"{schema}:")
    example = next(i for i in range(start, len(lines)) if lines[i].strip() == "example:")
    header = next(i for i in range(example, len(lines)) if lines[i].strip() == f"{list_key}:")
    first = lines[header + 1]
    match = re.match(r"^(\s*)- ([A-Za-z_]+):", first)
    assert match, first
    indent = len(match.group(1)) + 2
    keys = {match.group(2)}
    for line in lines[header + 2 :]:
        if not line.strip():
            continue
        current = len(line) - len(line.lstrip())
        if current < indent:
            break
        if current == indent:
            key = re.match(r"^\s*([A-Za-z_]+):", line)
            if key:
                keys.add(key.group(1))
    return keys


@cache
def openapi_schemas(name: str) -> dict[str, Any]:
    """``components.schemas`` of an extracted spec under ``fixtures/specs/jsm``."""
    doc = json.loads((SPECS / "jsm" / name).read_text(encoding="utf-8"))
    return doc["components"]["schemas"]


_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


def check_schema(
    value: Any, schema: dict[str, Any], schemas: dict[str, Any], path: str
) -> list[str]:
    """Problems of ``value`` against an OpenAPI 3.0 schema (the subset these specs use).

    Checks ``$ref``, ``allOf``, ``type`` (bool is not an integer), ``nullable``, ``required``,
    ``properties``, ``additionalProperties: false`` (unknown keys are problems), array
    ``items`` and ``format: uri``.
    """
    if "$ref" in schema:
        target = schema["$ref"].rsplit("/", 1)[-1]
        return check_schema(value, schemas[target], schemas, path)
    problems: list[str] = []
    for part in schema.get("allOf", []):
        problems += check_schema(value, part, schemas, path)
    if value is None:
        if schema.get("nullable") or not schema.get("type"):
            return problems
        return [*problems, f"{path}: null where {schema.get('type')} is required"]
    kind = schema.get("type")
    if kind is not None:
        ok = isinstance(value, _TYPES[kind]) and not (
            kind in ("integer", "number") and isinstance(value, bool)
        )
        if not ok:
            return [*problems, f"{path}: {type(value).__name__} where {kind} is required"]
    if schema.get("format") == "uri" and not str(value).startswith(("http://", "https://")):
        problems.append(f"{path}: {value!r} is not a URI")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                problems.append(f"{path}: required property {key!r} missing")
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in props:
                problems += check_schema(item, props[key], schemas, f"{path}.{key}")
            elif extra is False:
                problems.append(f"{path}: property {key!r} is not in the vendor schema")
            elif isinstance(extra, dict) and extra:
                problems += check_schema(item, extra, schemas, f"{path}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            problems += check_schema(item, schema["items"], schemas, f"{path}[{i}]")
    return problems


def servicenow_doc_json_blocks(name: str) -> list[Any]:
    """Every fenced JSON block of a ServiceNow doc page that parses."""
    text = (SPECS / "servicenow" / name).read_text(encoding="utf-8")
    blocks = []
    for block in re.findall(r"```\n(\{.*?\})\n```", text, flags=re.DOTALL):
        try:
            blocks.append(json.loads(block))
        except json.JSONDecodeError:
            continue
    return blocks


def servicenow_doc_incidents() -> list[dict[str, Any]]:
    """The example ``incident`` records of the Table API page."""
    records: list[dict[str, Any]] = []
    for block in servicenow_doc_json_blocks("c_TableAPI.md"):
        result = block.get("result")
        rows = result if isinstance(result, list) else [result] if isinstance(result, dict) else []
        records.extend(r for r in rows if r.get("sys_class_name") == "incident")
    return records


def servicenow_task_sla_stages() -> set[str]:
    """The Task SLA stage values of ``r_TaskSLATable.md``, as stored choice values.

    The page lists labels (In progress, Cancelled, Paused, Completed, and Breached for the 2010
    engine); the stored values are the lower-case, underscore-joined labels.
    """
    text = (SPECS / "servicenow" / "r_TaskSLATable.md").read_text(encoding="utf-8")
    section = text.split("## Stage values", 1)[1].split("##", 1)[0]
    labels = re.findall(r"^-\s+\*\*([^*]+)\*\*", section, flags=re.MULTILINE)
    labels += re.findall(r"The \*\*([^*]+)\*\* stage value", section)
    return {label.strip().lower().replace(" ", "_") for label in labels}
