"""The filter language: what each token means and the errors that name the fix."""

from __future__ import annotations

import pytest

from queuebench.domain.models import Priority, Status, Vendor
from queuebench.domain.query import QueryError, SortKey, parse_filter, parse_sort


def test_words_and_fields() -> None:
    f = parse_filter('SSO "login loop" vendor:jira,zd prio:1,none status:hold is:breached,mine')
    assert f.words == ("sso", "login loop")
    assert f.vendors == (Vendor.JSM, Vendor.ZENDESK)
    assert f.priorities == (Priority.P1, None)
    assert f.statuses == (Status.ON_HOLD,)
    assert f.flags == frozenset({"breached", "mine"})


def test_negated_flag_and_unknown_field_is_a_word() -> None:
    f = parse_filter("-is:open http://x:8080")
    assert f.negated_flags == frozenset({"open"})
    assert f.words == ("http://x:8080",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("prio:P9", "use P1, P2, P3, P4 or none"),
        ("status:done", "use one of new, open, pending, on_hold, solved, closed"),
        ("vendor:freshdesk", "use zendesk, jsm or servicenow"),
        ("is:urgent", "is:mine"),
        ("vendor:", "needs a value"),
        ("-vendor:jsm", "only is: flags can be negated"),
    ],
)
def test_errors_name_the_fix(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse_filter(text)


def test_unclosed_quote_reads_words_as_typed() -> None:
    assert parse_filter('"sso login').words == ('"sso', "login")


def test_merged_view_and_typed_filter() -> None:
    view = parse_filter("is:open vendor:jsm")
    typed = parse_filter("sso")
    merged = view.merged(typed)
    assert merged.flags == frozenset({"open"})
    assert merged.vendors == (Vendor.JSM,)
    assert merged.words == ("sso",)


def test_parse_sort() -> None:
    assert parse_sort("-updated") == (SortKey.UPDATED, True)
    assert parse_sort("risk") == (SortKey.RISK, False)
    with pytest.raises(QueryError, match="risk, priority, updated, created, key"):
        parse_sort("age")
