"""Text corpus for the sandbox generator: people, companies and Tier-3 escalation scenarios.

Everything here is static data plus a few pure helpers that fill templates from a seeded
``random.Random``. The generator (:mod:`queuebench.sandbox.generator`) decides *which* pieces a
ticket uses; this module decides what they say.

Rich text is kept vendor-neutral as a list of blocks, rendered later as plain text (Zendesk,
ServiceNow), HTML (Zendesk ``html_body``) or Atlassian Document Format (JSM):

- ``("p", text)`` a paragraph; ``text`` may hold ``inline code`` in backticks, ``**bold**``
  and bare URLs; a newline inside is a hard line break;
- ``("h", text)`` a small heading;
- ``("ul", items)`` / ``("ol", items)`` lists of inline text;
- ``("code", language, text)`` a preformatted block (log lines, JSON, shell);
- ``("table", rows)`` a table whose first row is the header.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

Block = tuple[Any, ...]
"""One rich-text block; see the module docstring for the shapes."""

# --- people and companies -------------------------------------------------------------------

# fmt: off
FIRST_NAMES: tuple[str, ...] = (
    "Anna", "Jürgen", "Søren", "Zoë", "José", "Łukasz", "Amélie", "Priya", "Kenji", "Chloé",
    "Mateo", "Ingrid", "Oluwaseun", "Fatima", "Björn", "Nguyễn", "Siobhán", "Rafael", "Yuki",
    "Margarethe", "Tomás", "Aiko", "Hannah", "Dmitri", "Leila", "Marcus", "Elena", "Noah",
    "Camille", "Ravi", "Greta", "Sven", "Olivia", "Henrik", "Mei", "Daniel", "Sofia", "Arjun",
    "Clara", "Lars", "Beatriz", "Emre", "Nadia", "Pieter", "Hyun-woo", "Ayşe", "Tariq", "Ines",
)
# fmt: on

# fmt: off
LAST_NAMES: tuple[str, ...] = (
    "Müller", "Schröder", "Nakamura", "García", "Kowalski", "Okafor", "Lefèvre", "Johansson",
    "Sharma", "O'Brien", "Rossi", "Dubois", "Haddad", "Novák", "Fernández", "Yamamoto",
    "Andersen", "Brennan", "Costa", "Weiß", "Kim", "Petrov", "Lindqvist", "Moreau", "Singh",
    "Van der Berg", "Tanaka", "Øvergaard", "Silva", "Zhang", "Hernández", "Fischer", "Murphy",
    "Eriksson", "Doğan", "Papadopoulos", "Walsh", "Nowak", "Bianchi", "Chen",
)
# fmt: on

AGENT_NAMES: tuple[str, ...] = (
    "Maya Lindqvist",
    "Tobias Wren",
    "Aisha Rahman",
    "Diego Santos",
    "Freya Nilsen",
    "Kwame Mensah",
    "Ruth Abernathy",
    "Jonas Becker",
    "Leah Goldberg",
    "Hiroshi Sato",
    "Grace Okonkwo",
    "Paul Meier",
    "Saanvi Iyer",
    "Erik Halvorsen",
)

GROUP_NAMES: tuple[str, ...] = (
    "Tier 3 – Platform",
    "Tier 3 – Integrations",
    "Identity & SSO",
    "Data & Exports",
    "Tier 2 Support",
    "Mobile SDK",
)

COMPANIES: tuple[tuple[str, str], ...] = (
    ("Müller GmbH", "mueller-gmbh.de"),
    ("東京システム株式会社", "tokyo-systems.co.jp"),
    ("Café Olé SARL", "cafeole.fr"),
    ("Northwind Traders", "northwind.example"),
    ("Zürich Rückversicherung AG", "zurich-rueck.ch"),
    ("São Paulo Logística Ltda", "splogistica.com.br"),
    ("Łódź Software Sp. z o.o.", "lodzsoftware.pl"),
    ("Nordlys Energi AS", "nordlys.no"),
    ("Bluefin Analytics Ltd", "bluefin-analytics.co.uk"),
    ("Contoso Health", "contosohealth.com"),
    ("Fabrikam Retail Group", "fabrikam.example"),
    ("Helvetia Pharma SA", "helvetiapharma.ch"),
    ("Kiwi Freight Ltd", "kiwifreight.co.nz"),
    ("Ångström Labs AB", "angstromlabs.se"),
    ("Ωmega Financial Services", "omega-fs.gr"),
    ("Brightline Insurance", "brightline-ins.com"),
    ("Dublin Payments DAC", "dublinpay.ie"),
    ("Sakura Mobility KK", "sakura-mobility.jp"),
    ("Vereinigte Stadtwerke eG", "vsw-eg.de"),
    ("Polar Cloud Oy", "polarcloud.fi"),
    ("Tlaloc Agua S.A. de C.V.", "tlalocagua.mx"),
    ("Quantum Ridge Capital", "quantumridge.com"),
    ("Maple Grove University", "maplegrove.edu"),
    ("Redwood Biotech Inc.", "redwoodbio.com"),
    ("Société Générale d'Éclairage", "sge-eclairage.fr"),
    ("Istanbul Tekstil A.Ş.", "istanbultekstil.com.tr"),
    ("Cape Vineyards (Pty) Ltd", "capevineyards.co.za"),
    ("Harbor & Finch LLP", "harborfinch.com"),
    ("Seoul Digital Co., Ltd.", "seouldigital.kr"),
    ("Andes Minería SpA", "andesmineria.cl"),
    ("Blue Mountain Telecom", "bluemountaintel.com.au"),
    ("Van Dijk Logistiek B.V.", "vandijklogistiek.nl"),
    ("Praha Cloud s.r.o.", "prahacloud.cz"),
    ("Gulf Coast Utilities", "gulfcoastutil.com"),
    ("Lumen Learning GmbH", "lumenlearning.at"),
    ("Mumbai FinServ Pvt Ltd", "mumbaifinserv.in"),
)

PRODUCTS: tuple[str, ...] = (
    "Acme Identity",
    "Acme Webhooks",
    "Acme API Gateway",
    "Acme Exports",
    "Acme Analytics",
    "Acme Mobile SDK",
    "Acme Platform",
)

IDPS: tuple[str, ...] = ("Okta", "Microsoft Entra ID", "ADFS", "Ping Identity", "Google Workspace")
REGIONS: tuple[str, ...] = ("eu-west-1", "us-east-1", "us-west-2", "ap-northeast-1", "eu-central-1")
ENDPOINTS: tuple[str, ...] = (
    "/v2/orders",
    "/v2/customers/search",
    "/v1/exports",
    "/v2/invoices/bulk",
    "/v3/events",
    "/v2/webhooks/deliveries",
)
# fmt: off
TIMEZONES: tuple[str, ...] = (
    "Europe/Berlin", "Asia/Tokyo", "America/New_York", "Europe/London", "America/Sao_Paulo",
    "Europe/Paris", "Australia/Sydney", "Asia/Kolkata", "Europe/Zurich", "America/Chicago",
)
# fmt: on
# fmt: off
MONTHS: tuple[str, ...] = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)
# fmt: on

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def ascii_fold(text: str) -> str:
    """A lowercase ASCII slug for e-mail local parts (``"Jürgen Weiß"`` → ``"juergen.weiss"``)."""
    table = {
        "ä": "ae",
        "ö": "oe",
        "ü": "ue",
        "ß": "ss",
        "å": "a",
        "ø": "o",
        "æ": "ae",
        "é": "e",
        "è": "e",
        "ê": "e",
        "ë": "e",
        "á": "a",
        "à": "a",
        "ã": "a",
        "â": "a",
        "í": "i",
        "ó": "o",
        "ô": "o",
        "õ": "o",
        "ú": "u",
        "ç": "c",
        "ł": "l",
        "ń": "n",
        "ś": "s",
        "ż": "z",
        "ğ": "g",
        "ş": "s",
        "ı": "i",
        "ễ": "e",
        "ý": "y",
        "č": "c",
        "ř": "r",
        "ž": "z",
        "ñ": "n",
        "ō": "o",
    }
    out = []
    for ch in text.lower():
        if ch in table:
            out.append(table[ch])
        elif ch.isascii() and (ch.isalnum() or ch in ".-"):
            out.append(ch)
        elif ch in " '":
            out.append("." if ch == " " else "")
    slug = "".join(out).strip(".")
    return slug or "user"


# --- fast random helpers --------------------------------------------------------------------
# ``random.Random.randint``/``choice`` go through slow pure-Python paths; these two are what a
# 100,000-ticket run calls a few million times. Tiny modulo bias does not matter here.


def pick(rng: random.Random, seq: Sequence[Any]) -> Any:
    """A uniformly chosen element of a non-empty sequence."""
    return seq[int(rng.random() * len(seq))]


def randint(rng: random.Random, low: int, high: int) -> int:
    """A uniform integer in ``[low, high]``."""
    return low + int(rng.random() * (high - low + 1))


# --- identifiers ----------------------------------------------------------------------------


def trace_id(rng: random.Random) -> str:
    """A W3C trace id: 32 lowercase hex digits."""
    return f"{rng.getrandbits(128):032x}"


def span_id(rng: random.Random) -> str:
    """A W3C span id: 16 lowercase hex digits."""
    return f"{rng.getrandbits(64):016x}"


def uuid4ish(rng: random.Random) -> str:
    """A UUID-formatted random value (version nibble 4)."""
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


_B62_TABLE = bytes((_B62[b % 62]).encode()[0] for b in range(256))


def request_id(rng: random.Random) -> str:
    """A Stripe-style request id: ``req_`` and 20 base62 characters."""
    return "req_" + rng.randbytes(20).translate(_B62_TABLE).decode("ascii")


def iso_ms(ts: float) -> str:
    """``2026-11-12T08:14:03.512Z`` for a Unix time in seconds."""
    whole = int(ts)
    millis = int((ts - whole) * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{millis:03d}Z"


# --- scenarios ------------------------------------------------------------------------------

LogFn = Callable[[random.Random, float, dict[str, str]], tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Scenario:
    """One family of Tier-3 escalations with everything needed to write a ticket about it."""

    key: str
    product: str
    category: str
    subcategory: str
    tags: tuple[str, ...]
    subjects: tuple[str, ...]
    summaries: tuple[str, ...]
    impacts: tuple[str, ...]
    tried: tuple[str, ...]
    log: LogFn
    customer_followups: tuple[str, ...]
    agent_replies: tuple[str, ...]
    internal_notes: tuple[str, ...]
    table: Callable[[random.Random, dict[str, str]], list[list[str]]] | None = None


_LINE_FIELDS: dict[str, tuple[bool, ...]] = {}


def _fields(template: str) -> tuple[bool, ...]:
    found = _LINE_FIELDS.get(template)
    if found is None:
        found = tuple(
            f"{{{name}}}" in template for name in ("req", "trace", "span", "uuid", "ms", "n")
        )
        _LINE_FIELDS[template] = found
    return found


def _lines(rng: random.Random, t0: float, templates: Sequence[str], ctx: dict[str, str]) -> str:
    out = []
    t = t0
    values = dict(ctx)
    for template in templates:
        t += rng.uniform(0.05, 40.0)
        req, trace, span, uuid, ms, n = _fields(template)
        values["ts"] = iso_ms(t)
        if req:
            values["req"] = request_id(rng)
        if trace:
            values["trace"] = trace_id(rng)
        if span:
            values["span"] = span_id(rng)
        if uuid:
            values["uuid"] = uuid4ish(rng)
        if ms:
            values["ms"] = str(randint(rng, 180, 30_000))
        if n:
            values["n"] = str(randint(rng, 2, 97))
        out.append(template.format_map(values))
    return "\n".join(out)


def _log_saml(rng: random.Random, t0: float, ctx: dict[str, str]) -> tuple[str, str]:
    return "text", _lines(
        rng,
        t0,
        (
            "{ts} INFO  sso.acs received SAMLResponse idp={idp} request_id={req}",
            "{ts} WARN  sso.saml signature validation failed: no trusted certificate matches "
            "KeyInfo (x5t=3Q1r…Zk) trace_id={trace}",
            "{ts} ERROR sso.acs login rejected user=<redacted> reason=invalid_signature "
            "request_id={req}",
            "{ts} INFO  sso.metadata last refresh of IdP metadata: 19 days ago (cached)",
            "{ts} ERROR sso.acs login rejected user=<redacted> reason=invalid_signature "
            "request_id={req} trace_id={trace}",
        ),
        ctx,
    )


def _log_webhook(rng: random.Random, t0: float, ctx: dict[str, str]) -> tuple[str, str]:
    return "log", _lines(
        rng,
        t0,
        (
            "{ts} delivery_id={uuid} event=order.updated target=https://{webhook_host}/hooks/acme "
            "attempt=1 status=timeout elapsed_ms=10000",
            "{ts} delivery_id={uuid} event=order.updated attempt=2 status=timeout "
            "elapsed_ms=10000 trace_id={trace}",
            "{ts} delivery_id={uuid} event=invoice.paid attempt=1 status=200 elapsed_ms={ms}",
            "{ts} delivery_id={uuid} event=order.created attempt=3 status=timeout "
            "elapsed_ms=10000 next_retry_in=300s",
        ),
        ctx,
    )


def _log_gateway(rng: random.Random, t0: float, ctx: dict[str, str]) -> tuple[str, str]:
    return "text", _lines(
        rng,
        t0,
        (
            '{ts} gw-{region}-{n} 502 "GET {endpoint}?page=3" upstream=orders-svc:8443 '
            "upstream_status=- latency_ms=30001 request_id={req} traceparent=00-{trace}-{span}-01",
            '{ts} gw-{region}-{n} 200 "GET {endpoint}?page=4" latency_ms={ms} request_id={req}',
            '{ts} gw-{region}-{n} 502 "POST {endpoint}" upstream=orders-svc:8443 '
            "error=upstream_reset_before_headers request_id={req} traceparent=00-{trace}-{span}-01",
            '{ts} gw-{region}-{n} 504 "GET {endpoint}?page=9" latency_ms=60000 request_id={req}',
        ),
        ctx,
    )


def _log_export(rng: random.Random, t0: float, ctx: dict[str, str]) -> tuple[str, str]:
    return "json", _lines(
        rng,
        t0,
        (
            '{{"ts": "{ts}", "job": "export-{export_id}", "event": "started", '
            '"range": "{month} 2026", "request_id": "{req}"}}',
            '{{"ts": "{ts}", "job": "export-{export_id}", "event": "partition_skipped", '
            '"partition": "p{n}", "reason": "snapshot_not_ready", "trace_id": "{trace}"}}',
            '{{"ts": "{ts}", "job": "export-{export_id}", "event": "finished", '
            '"rows": {count}, "status": "succeeded"}}',
        ),
        ctx,
    )


def _log_ratelimit(rng: random.Random, t0: float, ctx: dict[str, str]) -> tuple[str, str]:
    return "http", _lines(
        rng,
        t0,
        (
            "{ts} POST {endpoint} -> 429 Too Many Requests Retry-After: 30 "
            "X-RateLimit-Limit: {limit} X-RateLimit-Remaining: 0 request_id={req}",
            "{ts} POST {endpoint} -> 429 Too Many Requests Retry-After: 30 request_id={req} "
            "trace_id={trace}",
            "{ts} GET /v2/usage -> 200 current_rpm={n}0 contracted_rpm={limit}",
        ),
        ctx,
    )


def _log_cert(rng: random.Random, t0: float, ctx: dict[str, str]) -> tuple[str, str]:
    return "bash", _lines(
        rng,
        t0,
        (
            "$ echo | openssl s_client -connect {cert_cn}:443 -servername {cert_cn} 2>/dev/null "
            "| openssl x509 -noout -dates -issuer",
            "notBefore=Aug 14 00:00:00 2026 GMT",
            "notAfter={cert_expiry} GMT",
            "issuer=C = US, O = Let's Encrypt, CN = R11",
            "# renewal job {ts}: ACME challenge failed: 403 urn:ietf:params:acme:error:"
            "unauthorized (request_id={req})",
        ),
        ctx,
    )


def _log_dashboard(rng: random.Random, t0: float, ctx: dict[str, str]) -> tuple[str, str]:
    return "text", _lines(
        rng,
        t0,
        (
            "{ts} analytics.query dashboard={dashboard} widget=revenue_by_region "
            "duration_ms={ms} rows_scanned=48211930 trace_id={trace}",
            "{ts} analytics.query dashboard={dashboard} widget=churn_cohorts duration_ms=41877 "
            "cache=miss request_id={req}",
            "{ts} analytics.render dashboard={dashboard} total_ms=44120 slow_widgets=3",
        ),
        ctx,
    )


def _log_oauth(rng: random.Random, t0: float, ctx: dict[str, str]) -> tuple[str, str]:
    return "json", _lines(
        rng,
        t0,
        (
            '{{"timestamp": "{ts}", "level": "error", "sdk": "acme-python/{version}", '
            '"msg": "token refresh failed", "http_status": 400, '
            '"error": "invalid_grant", "request_id": "{req}"}}',
            '{{"timestamp": "{ts}", "level": "error", "msg": "token refresh failed", '
            '"error_description": "refresh token already used", "trace_id": "{trace}"}}',
        ),
        ctx,
    )


def _log_scim(rng: random.Random, t0: float, ctx: dict[str, str]) -> tuple[str, str]:
    return "text", _lines(
        rng,
        t0,
        (
            "{ts} scim POST /scim/v2/Users userName=a.novak@{domain} -> 201 id={uuid} "
            "request_id={req}",
            "{ts} scim POST /scim/v2/Users userName=A.Novak@{domain} -> 201 id={uuid} "
            "request_id={req}",
            "{ts} scim PATCH /scim/v2/Users/{uuid} -> 404 scimType=invalidValue trace_id={trace}",
        ),
        ctx,
    )


def _log_encoding(rng: random.Random, t0: float, ctx: dict[str, str]) -> tuple[str, str]:
    return "text", (
        "customer_id;name;city\n"
        "10442;MÃ¼ller GmbH;MÃ¼nchen\n"
        "10443;Ã…ngstrÃ¶m Labs AB;Uppsala\n"
        "10444;æ±äº¬ã‚·ã‚¹ãƒ†ãƒ ;Tokyo\n"
        f"# export {ctx['export_id']} generated {iso_ms(t0)} request_id={request_id(rng)}"
    )


def _log_schedule(rng: random.Random, t0: float, ctx: dict[str, str]) -> tuple[str, str]:
    return "text", _lines(
        rng,
        t0,
        (
            "{ts} scheduler job=report-weekly-kpi tz={tz} planned=07:00 local "
            "fired_at=08:00 local request_id={req}",
            "{ts} scheduler job=report-weekly-kpi next_run computed with fixed offset +01:00 "
            "trace_id={trace}",
        ),
        ctx,
    )


def _log_duplicates(rng: random.Random, t0: float, ctx: dict[str, str]) -> tuple[str, str]:
    event = uuid4ish(rng)
    return "log", _lines(
        rng,
        t0,
        (
            "{ts} received event_id=" + event + " type=payment.succeeded delivery_attempt=1",
            "{ts} received event_id=" + event + " type=payment.succeeded delivery_attempt=1 "
            "trace_id={trace}",
            "{ts} received event_id=" + event + " type=payment.succeeded delivery_attempt=1 "
            "request_id={req}",
            "{ts} our handler responded 200 in {ms} ms each time",
        ),
        ctx,
    )


def _log_mobile(rng: random.Random, t0: float, ctx: dict[str, str]) -> tuple[str, str]:
    return "text", _lines(
        rng,
        t0,
        (
            "Fatal Exception: NSInvalidArgumentException {ts}",
            "0  AcmeSDK  OfflineCache.restore(from:) + 412",
            "1  AcmeSDK  AcmeClient.init(configuration:) + 1188",
            "2  MyApp    AppDelegate.application(_:didFinishLaunchingWithOptions:) + 96",
            "session_id={uuid} sdk_version={version} trace_id={trace}",
        ),
        ctx,
    )


def _log_lag(rng: random.Random, t0: float, ctx: dict[str, str]) -> tuple[str, str]:
    return "http", _lines(
        rng,
        t0,
        (
            "{ts} PATCH /v2/customers/c_8812 -> 200 updated_at={ts} request_id={req}",
            "{ts} GET /v2/customers/c_8812 -> 200 (stale: updated_at still old value) "
            "x-served-by=replica-{n} trace_id={trace}",
            "{ts} GET /v2/customers/c_8812 -> 200 (fresh after ~14 min) request_id={req}",
        ),
        ctx,
    )


def _table_export(rng: random.Random, ctx: dict[str, str]) -> list[list[str]]:
    expected = randint(rng, 180_000, 900_000)
    missing = randint(rng, 120, 9_000)
    return [
        ["Source", "Rows", "Revenue (EUR)"],
        ["Dashboard", f"{expected:,}", f"{expected * 37:,}.00"],
        ["Export file", f"{expected - missing:,}", f"{(expected - missing) * 37:,}.00"],
        ["Difference", f"-{missing:,}", f"-{missing * 37:,}.00"],
    ]


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        key="sso_saml",
        product="Acme Identity",
        category="software",
        subcategory="authentication",
        tags=("sso", "saml", "login"),
        subjects=(
            "SSO login fails with 'SAML signature invalid' after {idp} certificate rotation",
            "All {org} users locked out – SAML response rejected",
            "SAML SSO broken since {date}: invalid_signature on ACS endpoint",
        ),
        summaries=(
            "Since {time} UTC on {date} none of our users can log in through {idp}. The IdP "
            "rotated its signing certificate this morning and we uploaded the new metadata, "
            "but the ACS endpoint still rejects every assertion with `invalid_signature`.",
            "Our {idp} admin rotated the SAML signing certificate on {date}. Since then every "
            'SSO attempt ends on your error page "We couldn\'t sign you in". Password login is '
            "disabled for our tenant, so nobody can work.",
        ),
        impacts=(
            "**Impact:** about {count} employees cannot access {product} in {env}. This blocks "
            "our month-end close.",
            "**Impact:** the whole support floor ({count} agents) is locked out; we are "
            "handling customers by phone only.",
        ),
        tried=(
            "Re-uploaded the IdP metadata XML in Admin → Security → SSO",
            "Verified the certificate fingerprint matches what {idp} shows",
            "Cleared browser cookies and tried an incognito window",
            "Tested with a second IdP app – same `invalid_signature` error",
            "Checked that the clocks on our ADFS servers are in sync (NTP ok)",
        ),
        log=_log_saml,
        customer_followups=(
            "Any news? We now have {count} people waiting. Could you enable password login "
            "temporarily as a workaround?",
            "We found that the old certificate is still listed in your metadata cache – "
            "request id {req} from {time} UTC, in case that helps.",
            "Quick update: users on the EU instance are affected, US is fine.",
        ),
        agent_replies=(
            "Hi {first}, thank you for the detailed report and the request IDs. We can see the "
            "ACS endpoint still validating against the previous certificate. Engineering is "
            "forcing a metadata refresh for your tenant now; I'll update you within the hour.",
            "Hi {first}, the metadata cache for {org} has been refreshed and we see successful "
            "logins since {time} UTC. Could you ask two or three users to confirm?",
            "Hi {first}, as a workaround we have enabled the break-glass password login for "
            "your two admin accounts. The root cause is an IdP metadata cache that ignores "
            "rotations; a fix is scheduled in {case_ref}.",
        ),
        internal_notes=(
            "Reproduced on staging: metadata cache TTL is 21 days and rotation webhook is not "
            "wired for {idp}. Filed {case_ref}, Sev2, linked trace {trace}.",
            "Forced refresh via admin console (`idp-cache purge --tenant {tenant}`). Logins "
            "succeed again; keep ticket open until customer confirms.",
            "Known issue KB-{kb}; same pattern as last quarter. Asked Identity team for the "
            "permanent fix ETA.",
        ),
    ),
    Scenario(
        key="webhook_timeout",
        product="Acme Webhooks",
        category="software",
        subcategory="integration",
        tags=("webhooks", "timeout", "integration"),
        subjects=(
            "Webhook deliveries to {webhook_host} timing out since {date}",
            "order.updated webhooks not arriving – retries exhausted",
            "Webhook timeouts (10s) for {org} endpoint, {count} events dropped",
        ),
        summaries=(
            "Since {date} around {time} UTC most webhook deliveries to our endpoint "
            "`https://{webhook_host}/hooks/acme` time out after 10 seconds. Our endpoint "
            "answers in under 300 ms when we call it ourselves, and our load balancer shows "
            "no incoming requests for the failed attempts.",
            "We are missing `order.updated` events. The delivery log in your dashboard shows "
            "status `timeout` for attempts 1–3, after which the events are dropped.",
        ),
        impacts=(
            "**Impact:** {count} orders were not synchronised to our ERP, so warehouse picking "
            "is delayed in {region}.",
            "**Impact:** our billing reconciliation is missing events; finance cannot close "
            "the day.",
        ),
        tried=(
            "Called our endpoint from three regions with curl – 200 in < 300 ms",
            "Allow-listed the published egress IP ranges again",
            "Rotated the webhook signing secret",
            "Checked our WAF logs – no blocked requests from your IPs",
        ),
        log=_log_webhook,
        customer_followups=(
            "Still failing this morning; another {count} events dropped overnight.",
            "Could you replay all failed deliveries since {date} once this is fixed?",
            "Our network team confirms no packets from your egress IPs reach us after {time}.",
        ),
        agent_replies=(
            "Hi {first}, thanks for the delivery IDs. We see the connections from our {region} "
            "egress pool stalling during the TLS handshake. Networking is investigating; next "
            "update in 2 hours.",
            "Hi {first}, the egress pool was routing through a degraded NAT gateway. Traffic "
            "was moved at {time} UTC and deliveries succeed again. We have queued a replay of "
            "the failed events since {date}.",
            "Hi {first}, could you send us a packet capture from your load balancer for one "
            "failed attempt? The trace id in our log is {trace}.",
        ),
        internal_notes=(
            "NAT gateway nat-{n} in {region} at 100% port allocation; SRE paged. Trace {trace}.",
            "Replay job started: `webhooks replay --account {tenant} --since {date}`.",
            "Customer endpoint is fine; issue is on our side. Linked to incident {case_ref}.",
        ),
    ),
    Scenario(
        key="gateway_502",
        product="Acme API Gateway",
        category="network",
        subcategory="api gateway",
        tags=("api", "502", "gateway"),
        subjects=(
            "Intermittent 502 Bad Gateway from API gateway on {endpoint} ({region})",
            "502/504 errors on {endpoint} during peak hours",
            "API gateway returns 502 for ~{pct}% of requests since {date}",
        ),
        summaries=(
            "Roughly {pct}% of our calls to `{endpoint}` in {region} fail with "
            "`502 Bad Gateway` since {date}. Failures cluster between 08:00 and 10:00 UTC and "
            "retries usually succeed. Request IDs and traceparent headers are below.",
            "Our integration gets `502 Bad Gateway` and occasionally `504 Gateway Timeout` "
            "from `{endpoint}`. Nothing changed on our side; our client timeout is 60 s.",
        ),
        impacts=(
            "**Impact:** nightly sync jobs fail and need manual reruns; customer-facing "
            "order status is stale for up to 6 hours.",
            "**Impact:** checkout for our {region} storefront intermittently fails.",
        ),
        tried=(
            "Added exponential backoff with jitter – reduces but does not remove failures",
            "Reduced page size from 500 to 100",
            "Compared {region} with another region – only {region} is affected",
        ),
        log=_log_gateway,
        customer_followups=(
            "Error rate went up again today: {pct}% between 08:10 and 08:40 UTC.",
            "Here is one more failing request: {req} (trace {trace}).",
            "Is there a status page incident we can follow?",
        ),
        agent_replies=(
            "Hi {first}, thanks for the request IDs. The gateway logs show upstream connection "
            "resets from the orders service during deployments. Engineering is looking at "
            "connection draining; next update tomorrow 10:00 UTC.",
            "Hi {first}, a fix for connection draining was deployed to {region} at {time} UTC. "
            "We see the 502 rate back at baseline. Please let us know if you still see errors.",
            "Hi {first}, we confirmed a capacity issue on gateway nodes in {region}. Two extra "
            "nodes were added; we are monitoring.",
        ),
        internal_notes=(
            "Upstream reset_before_headers spikes align with orders-svc rollouts "
            "(deploy ids in {case_ref}). Trace {trace}.",
            "Escalated to API Platform on-call. Error budget for {region} burned 60% this week.",
            "Customer retries are fine; asked them for client-side timing to rule out their proxy.",
        ),
    ),
    Scenario(
        key="export_discrepancy",
        product="Acme Exports",
        category="database",
        subcategory="data quality",
        tags=("export", "data-discrepancy", "reporting"),
        subjects=(
            "Data export row count does not match dashboard totals for {month}",
            "Missing rows in scheduled export {export_id}",
            "Revenue in CSV export differs from Analytics by {pct}%",
        ),
        summaries=(
            "The scheduled export `{export_id}` for {month} contains fewer rows than the "
            "dashboard shows for the same filter. The difference is not random: all missing "
            "rows are from the last two days of the month.",
            "Our finance team found that the monthly export and the Analytics dashboard "
            "disagree. The export job reports `succeeded`, but its log mentions skipped "
            "partitions.",
        ),
        impacts=(
            "**Impact:** our auditors rejected the {month} revenue report; we need a "
            "corrected export before the audit deadline.",
            "**Impact:** downstream data warehouse loads are wrong for {count} customers.",
        ),
        tried=(
            "Re-ran the export manually – same row count",
            "Compared with the API (`/v1/exports/{export_id}/rows`) – API matches the export",
            "Checked time zone settings of the export (UTC)",
        ),
        log=_log_export,
        table=_table_export,
        customer_followups=(
            "Can you confirm whether other months are affected too?",
            "Our auditors need the corrected file by Friday. Any ETA?",
            "Attached the dashboard screenshot with the filter settings.",
        ),
        agent_replies=(
            "Hi {first}, the export job skipped partitions whose snapshot was not ready at run "
            "time and still reported success. We are regenerating the {month} export now.",
            "Hi {first}, the corrected export is available (job export-{export_id}-r2) and the "
            "row count now matches the dashboard. A fix that fails the job instead of skipping "
            "is tracked in {case_ref}.",
            "Hi {first}, could you share the exact dashboard filter (or its URL) so we can "
            "compare like for like?",
        ),
        internal_notes=(
            "Confirmed: partition_skipped events for p{n}; job should have failed. Bug {case_ref}.",
            "Checked 12 other tenants: 3 affected. Proactive outreach suggested to CSM.",
            "Regeneration running on worker pool B; ETA 40 min.",
        ),
    ),
    Scenario(
        key="rate_limit",
        product="Acme API Gateway",
        category="software",
        subcategory="api",
        tags=("rate-limit", "api", "429"),
        subjects=(
            "429 Too Many Requests well below contracted rate limit",
            "Rate limiting on {endpoint} at {pct}% of our quota",
            "Unexpected 429s after plan upgrade to {limit} rpm",
        ),
        summaries=(
            "Our contract includes {limit} requests per minute, but we receive "
            "`429 Too Many Requests` at roughly {pct}% of that. `X-RateLimit-Limit` in the "
            "response still shows the old plan value.",
            "After the plan upgrade on {date} we still get throttled on `{endpoint}` with "
            "`Retry-After: 30`.",
        ),
        impacts=(
            "**Impact:** our bulk import of {count} records takes hours instead of minutes.",
            "**Impact:** customer-facing search degrades while throttled.",
        ),
        tried=(
            "Spread requests evenly with a token bucket on our side",
            "Verified we use a single API key",
            "Checked the usage endpoint – it reports the new limit",
        ),
        log=_log_ratelimit,
        customer_followups=(
            "Still throttled today, same numbers.",
            "Could you at least raise the limit temporarily until the fix is out?",
        ),
        agent_replies=(
            "Hi {first}, the plan change was applied to billing but the gateway quota cache "
            "kept the old limit. We have refreshed it for your account.",
            "Hi {first}, we have confirmed the new limit is active on all gateway nodes as of "
            "{time} UTC. Please let us know if you still see 429s.",
        ),
        internal_notes=(
            "Quota cache not invalidated on plan change; {case_ref}. Trace {trace}.",
            "Manually pushed quota for {tenant}. Check again in 24 h.",
        ),
    ),
    Scenario(
        key="cert_expiry",
        product="Acme Platform",
        category="network",
        subcategory="certificates",
        tags=("certificate", "tls", "custom-domain"),
        subjects=(
            "TLS certificate for {cert_cn} expires in {days} days – auto-renewal failed",
            "Custom domain certificate expired: browsers show NET::ERR_CERT_DATE_INVALID",
            "Certificate renewal failing for {cert_cn}",
        ),
        summaries=(
            "Our monitoring warns that the certificate for `{cert_cn}` expires on "
            "{cert_expiry}. The renewal should have happened 30 days before expiry; the "
            'domain settings page shows "Renewal failed".',
            "Customers report certificate warnings on `{cert_cn}`. The CNAME still points to "
            "your edge as documented.",
        ),
        impacts=(
            "**Impact:** our customer portal at {cert_cn} will be unreachable for most "
            "browsers once the certificate expires.",
            "**Impact:** mobile apps pin the certificate chain and will stop working.",
        ),
        tried=(
            "Verified the CNAME record and TTL",
            "Checked that no CAA record blocks Let's Encrypt",
            'Clicked "Retry renewal" in the admin console',
        ),
        log=_log_cert,
        customer_followups=(
            "We are now {days} days from expiry. Please treat this as urgent.",
            "Our DNS team added the CAA record you asked for.",
        ),
        agent_replies=(
            "Hi {first}, the ACME HTTP challenge is answered by an old edge node that does not "
            "know your domain. We have removed it from the pool and retried the renewal.",
            "Hi {first}, the certificate for {cert_cn} has been renewed and is valid until "
            "next year. You can verify with the openssl command from your ticket.",
        ),
        internal_notes=(
            "Stale edge node edge-{n} still in ACME challenge pool; removed. {case_ref}.",
            "Renewal succeeded on retry; expiry monitor for all custom domains requested.",
        ),
    ),
    Scenario(
        key="slow_dashboard",
        product="Acme Analytics",
        category="software",
        subcategory="performance",
        tags=("performance", "dashboards", "analytics"),
        subjects=(
            "Dashboards take 40+ seconds to load for {org} workspace",
            "{dashboard} dashboard times out since the {month} release",
            "Analytics extremely slow for large date ranges",
        ),
        summaries=(
            "Since the last release our main dashboard `{dashboard}` takes 40–60 seconds to "
            "load, previously 3–4 seconds. It affects all users and all browsers.",
            'Several widgets on `{dashboard}` show "Query timed out" for ranges longer than '
            "30 days.",
        ),
        impacts=(
            "**Impact:** the weekly executive review could not use live data.",
            "**Impact:** {count} analysts rely on this dashboard every morning.",
        ),
        tried=(
            "Reduced the date range to 7 days – loads in ~12 s",
            "Removed the cohort widget – total load time halves",
            "Tested from a different network and browser",
        ),
        log=_log_dashboard,
        customer_followups=(
            "It got worse today: the dashboard did not load at all.",
            "Any workaround we could use for the board meeting on Thursday?",
        ),
        agent_replies=(
            "Hi {first}, the new release changed the query plan for cohort widgets and skips "
            "the pre-aggregated tables. Engineering is preparing a fix.",
            "Hi {first}, as a workaround we enabled result caching for {dashboard}; first load "
            "is still slow, subsequent loads take about 4 s.",
        ),
        internal_notes=(
            "Query scans 48M rows instead of the rollup table; regression in {case_ref}.",
            "Enabled cache flag `analytics.cache.force` for {tenant}; remove after fix.",
        ),
    ),
    Scenario(
        key="oauth_refresh",
        product="Acme Platform",
        category="software",
        subcategory="authentication",
        tags=("oauth", "sdk", "tokens"),
        subjects=(
            "OAuth refresh fails with invalid_grant after upgrading SDK to {version}",
            "Users logged out every hour – refresh token rejected",
        ),
        summaries=(
            "After upgrading our backend to `acme-python {version}` the token refresh fails "
            'with `invalid_grant` ("refresh token already used"). We run 6 workers that '
            "share the token store.",
            "Since {date} our integration users are logged out hourly because the refresh "
            "token is rejected.",
        ),
        impacts=("**Impact:** background syncs stop every hour until someone re-authenticates.",),
        tried=(
            "Downgraded one worker to {old_version} – that worker keeps working",
            "Verified system clocks (NTP) on all workers",
        ),
        log=_log_oauth,
        customer_followups=(
            "Downgrading all workers works as a stopgap, but we need the security fixes in "
            "{version}.",
        ),
        agent_replies=(
            "Hi {first}, {version} enables refresh token rotation by default. With several "
            "workers sharing a store, two of them can refresh concurrently and the second "
            "request reuses a rotated token. Setting `token_rotation=False` or a shared lock "
            "avoids this.",
            "Hi {first}, SDK {version}.1 adds a lock around refresh; it was released today.",
        ),
        internal_notes=(
            "Race in refresh with rotation; reproduced with 2 threads. {case_ref}.",
            "Docs update requested for the rotation default.",
        ),
    ),
    Scenario(
        key="scim_duplicates",
        product="Acme Identity",
        category="software",
        subcategory="provisioning",
        tags=("scim", "provisioning", "sso"),
        subjects=(
            "SCIM provisioning from {idp} creates duplicate users",
            "Duplicate accounts after {idp} SCIM sync (case-sensitive userName)",
        ),
        summaries=(
            "{idp} provisions users via SCIM. Since {date} we see duplicates whose userName "
            "differs only in letter case, e.g. `a.novak@{domain}` and `A.Novak@{domain}`.",
        ),
        impacts=(
            "**Impact:** {count} duplicate licences are billed and users lose their history "
            "when they log in with the new account.",
        ),
        tried=(
            "Normalised userName to lowercase in {idp} attribute mapping",
            "Deleted duplicates manually – they come back on the next sync",
        ),
        log=_log_scim,
        customer_followups=(
            "We now have {count} duplicates. Please stop the sync from creating more.",
        ),
        agent_replies=(
            "Hi {first}, our SCIM endpoint compared userName case-sensitively, contrary to RFC "
            "7643. A fix is rolling out; we will merge the duplicates for you afterwards.",
            "Hi {first}, the fix is live and the {count} duplicates have been merged. Licences "
            "for the removed accounts will be credited on the next invoice.",
        ),
        internal_notes=(
            "RFC 7643 says userName is case-insensitive; our filter isn't. {case_ref}.",
            "Merge script dry run: {count} pairs, 0 conflicts.",
        ),
    ),
    Scenario(
        key="csv_encoding",
        product="Acme Exports",
        category="software",
        subcategory="data quality",
        tags=("export", "encoding", "unicode"),
        subjects=(
            "CSV export garbles non-ASCII characters (Müller → MÃ¼ller)",
            "Umlauts and Japanese names broken in CSV export",
        ),
        summaries=(
            'Names with non-ASCII characters are broken in the CSV export: "Müller GmbH" '
            'becomes "MÃ¼ller GmbH" and "東京システム" is unreadable. The same records look '
            "fine in the web UI and in the JSON API.",
        ),
        impacts=("**Impact:** our CRM import rejects {count} customer records.",),
        tried=(
            'Opened the file in Excel with "UTF-8" import – still broken',
            "Checked with `file -i` – reports `charset=utf-8` but content is double-encoded",
        ),
        log=_log_encoding,
        customer_followups=(
            "Is there a way to get a correct export today? We are blocked on the CRM migration.",
        ),
        agent_replies=(
            "Hi {first}, the export service encoded text as UTF-8 twice for accounts with the "
            'legacy "Windows-1252" locale setting. Switching the account locale to UTF-8 '
            "fixes new exports; we are correcting the stored files.",
        ),
        internal_notes=("Double encoding in csv writer when account.locale=cp1252. {case_ref}.",),
    ),
    Scenario(
        key="report_timezone",
        product="Acme Analytics",
        category="software",
        subcategory="reporting",
        tags=("reports", "timezone", "dst"),
        subjects=(
            "Scheduled report runs one hour late since DST change",
            "Weekly KPI report delivered at 08:00 instead of 07:00 ({tz})",
        ),
        summaries=(
            "Our weekly KPI report is scheduled for 07:00 {tz} but since the daylight saving "
            "change it arrives at 08:00. The schedule page still shows 07:00.",
        ),
        impacts=("**Impact:** the report misses the Monday leadership meeting.",),
        tried=(
            "Deleted and recreated the schedule – same behaviour",
            "Checked the workspace time zone setting ({tz}) – correct",
        ),
        log=_log_schedule,
        customer_followups=(
            "Same again this Monday. Can you fix the schedule for us in the meantime?",
        ),
        agent_replies=(
            "Hi {first}, the scheduler stored a fixed UTC offset instead of the time zone "
            "name. We have corrected your schedule; a general fix is tracked in {case_ref}.",
        ),
        internal_notes=(
            "Schedules created before v4.2 store offsets, not IANA names. {case_ref}.",
        ),
    ),
    Scenario(
        key="duplicate_events",
        product="Acme Webhooks",
        category="software",
        subcategory="integration",
        tags=("webhooks", "duplicates", "idempotency"),
        subjects=(
            "Same webhook event delivered 3–5 times",
            "Duplicate payment.succeeded events with identical event_id",
        ),
        summaries=(
            "We receive the same `payment.succeeded` event (same `event_id`) three to five "
            "times although our endpoint answers 200 within a second each time.",
        ),
        impacts=(
            "**Impact:** without idempotency on our side this would have double-shipped "
            "{count} orders.",
        ),
        tried=(
            "Confirmed our endpoint returns 200 with an empty body",
            "Checked our load balancer idle timeout (60 s)",
        ),
        log=_log_duplicates,
        customer_followups=(
            "We added idempotency on our side, but we'd like to know the root cause.",
        ),
        agent_replies=(
            "Hi {first}, thanks for the event IDs. Our delivery workers did not record the "
            "acknowledgement when a shard failover happened, so retries went out. A fix is in "
            "progress; event IDs stay stable, so deduplicating on `event_id` is safe.",
        ),
        internal_notes=(
            "Ack write lost during shard failover; at-least-once is documented but 5x is not "
            "ok. {case_ref}.",
        ),
    ),
    Scenario(
        key="mobile_crash",
        product="Acme Mobile SDK",
        category="software",
        subcategory="mobile",
        tags=("mobile", "ios", "crash"),
        subjects=(
            "iOS SDK {version} crashes on launch when offline cache is enabled",
            "App crash at startup after upgrading Acme Mobile SDK to {version}",
        ),
        summaries=(
            "After upgrading to Acme Mobile SDK {version} our iOS app crashes on launch for "
            "users who had the offline cache enabled in the previous version. Fresh installs "
            "work.",
        ),
        impacts=(
            "**Impact:** crash-free sessions dropped from 99.8% to {pct}% for our app; the "
            "release is halted in the App Store.",
        ),
        tried=(
            "Reproduced on iOS 17 and 18 by upgrading from {old_version}",
            "Disabling the offline cache avoids the crash but loses offline data",
        ),
        log=_log_mobile,
        customer_followups=(
            "Do you have an ETA for a patch release? Our release train is blocked.",
        ),
        agent_replies=(
            "Hi {first}, we reproduced the crash: the cache migration from {old_version} fails "
            "on an unexpected schema version. A patch release is being prepared.",
            "Hi {first}, SDK {version}.1 is published with the migration fix.",
        ),
        internal_notes=(
            "Migration v7→v8 of OfflineCache throws on nil schemaVersion. {case_ref}.",
        ),
    ),
    Scenario(
        key="replication_lag",
        product="Acme Platform",
        category="database",
        subcategory="consistency",
        tags=("consistency", "api", "replication"),
        subjects=(
            "Stale data from read API – updates visible only after ~15 minutes",
            "GET returns old values right after successful PATCH",
        ),
        summaries=(
            "After a successful `PATCH /v2/customers/…` the following `GET` returns the old "
            "values for up to 15 minutes. This started on {date}; previously reads were "
            "consistent within a second.",
        ),
        impacts=(
            "**Impact:** our agents overwrite each other's changes because they see stale data.",
        ),
        tried=(
            "Sent `Cache-Control: no-cache` – no change",
            "Read with the `consistency=strong` parameter from the docs – returns fresh data",
        ),
        log=_log_lag,
        customer_followups=(
            "Is `consistency=strong` safe to use for all reads? Any rate-limit impact?",
        ),
        agent_replies=(
            "Hi {first}, a read replica in {region} was lagging behind after a storage "
            "failover. It has been rebuilt and lag is back under one second.",
        ),
        internal_notes=("replica-{n} in {region} lag 900 s after failover; rebuilt. {case_ref}.",),
    ),
)

GREETINGS: tuple[str, ...] = ("Hi team,", "Hello Acme Support,", "Hi,", "Dear support team,")
CLOSINGS: tuple[str, ...] = (
    "Could you please escalate this to engineering? We need an update by end of day.",
    "Please treat this with priority and let us know what else you need from us.",
    "Happy to join a call if that helps.",
    "Let me know if you need HAR files or more logs.",
)
CHASERS: tuple[str, ...] = (
    "Is there any update on this? Our management is asking.",
    "Adding my colleague in CC, please keep them informed as well.",
    "This is now affecting more users. Can someone please look at it today?",
)
"""Customer messages that make sense before any agent has answered."""
GENERIC_CUSTOMER: tuple[str, ...] = (
    "Thanks for the quick response. Looking forward to the next update.",
    "I can confirm it works again for the users I asked. Thank you!",
    "Thanks – we will test this in staging first and report back tomorrow.",
)
"""Customer replies to an agent's answer."""
GENERIC_AGENT: tuple[str, ...] = (
    "Hi {first}, thanks for your patience. Engineering is still working on this; I'll send "
    "the next update by {time} UTC tomorrow at the latest.",
    "Hi {first}, just checking in: do you still see the problem after the fix we deployed?",
    "Hi {first}, we have not heard back from you. Could you confirm whether the issue is "
    "resolved on your side?",
)
GENERIC_INTERNAL: tuple[str, ...] = (
    "Customer is at renewal risk per CSM – keep updates on a 4 h cadence.",
    "Pinged engineering in #escalations, waiting on owner assignment.",
    "Added to the weekly escalation review.",
    "Timeline updated in the case notes; evidence attached (redacted).",
)
SOLVE_REPLIES: tuple[str, ...] = (
    "Hi {first}, the fix has been deployed to all regions and we have verified it with your "
    "request IDs. I'm marking this ticket as solved – reply here if anything comes back.",
    "Hi {first}, thank you for confirming. Root cause and corrective actions are summarised "
    "above; I'm closing this case.",
)
PENDING_ASKS: tuple[str, ...] = (
    "Hi {first}, to continue we need a HAR file of one failing attempt and the exact time "
    "(with time zone) it happened. Could you send those?",
    "Hi {first}, could you confirm whether the issue still occurs after the change we made at "
    "{time} UTC? We'll keep the ticket pending until we hear from you.",
    "Hi {first}, please send the request IDs of two more failing calls so we can correlate "
    "them with our traces.",
)
HOLD_NOTES: tuple[str, ...] = (
    "On hold: waiting for engineering fix {case_ref} (target release next week).",
    "On hold pending vendor (cloud provider) RCA.",
)
HEADINGS_EVIDENCE: tuple[str, ...] = ("What we see", "Logs", "Evidence", "Error details")
HEADINGS_TRIED: tuple[str, ...] = ("What we tried", "Troubleshooting so far", "Steps taken")


def make_context(
    rng: random.Random,
    *,
    t0: float,
    first: str,
    org: str,
    domain: str,
    tenant: str,
    product: str,
) -> dict[str, str]:
    """Template values for one ticket, drawn deterministically from ``rng``."""
    tm = time.gmtime(t0)
    expiry = time.gmtime(t0 + randint(rng, 2, 20) * 86400)
    major, minor = randint(rng, 3, 9), randint(rng, 0, 14)
    return {
        "first": first,
        "org": org,
        "domain": domain,
        "tenant": tenant,
        "product": product,
        "idp": pick(rng, IDPS),
        "region": pick(rng, REGIONS),
        "endpoint": pick(rng, ENDPOINTS),
        "env": pick(rng, ("production", "production", "staging")),
        "webhook_host": f"hooks.{domain}",
        "cert_cn": f"support.{domain}",
        # openssl's notAfter format; month names spelled out here, not via the C locale.
        "cert_expiry": MONTHS[expiry.tm_mon - 1][:3] + time.strftime(" %d %H:%M:%S %Y", expiry),
        "days": str(randint(rng, 2, 14)),
        "date": time.strftime("%Y-%m-%d", tm),
        "time": time.strftime("%H:%M", tm),
        "month": MONTHS[(tm.tm_mon - 2) % 12],
        "count": str(pick(rng, (12, 40, 85, 230, 600, 1200, 3400))),
        "pct": str(randint(rng, 3, 38)),
        "limit": str(pick(rng, (600, 1200, 2500, 5000))),
        "version": f"{major}.{minor}.0",
        "old_version": f"{major}.{max(minor - 1, 0)}.3",
        "export_id": f"exp_{rng.getrandbits(32):08x}",
        "dashboard": pick(rng, ("Revenue Overview", "Ops Daily", "Churn Cohorts", "SLA Board")),
        "tz": pick(rng, TIMEZONES),
        "case_ref": f"ENG-{randint(rng, 1200, 9800)}",
        "kb": str(randint(rng, 1000, 4999)),
        "req": request_id(rng),
        "trace": trace_id(rng),
        "n": str(randint(rng, 2, 97)),
    }


def fill(template: str, ctx: dict[str, str]) -> str:
    """``template`` with ``{placeholders}`` from ``ctx``."""
    return template.format_map(ctx)


def description_blocks(
    rng: random.Random, scenario: Scenario, ctx: dict[str, str], t0: float, signature: str
) -> list[Block]:
    """The multi-paragraph first message of a ticket, as blocks."""
    blocks: list[Block] = [
        ("p", pick(rng, GREETINGS)),
        ("p", fill(pick(rng, scenario.summaries), ctx)),
        ("p", fill(pick(rng, scenario.impacts), ctx)),
        ("h", pick(rng, HEADINGS_EVIDENCE)),
    ]
    lang, text = scenario.log(rng, t0, ctx)
    blocks.append(("code", lang, text))
    if scenario.table is not None:
        blocks.append(("table", scenario.table(rng, ctx)))
    tried = list(scenario.tried)
    rng.shuffle(tried)
    blocks.append(("h", pick(rng, HEADINGS_TRIED)))
    kind = "ol" if rng.random() < 0.4 else "ul"
    blocks.append(
        (
            kind,
            [fill(t, ctx) for t in tried[: randint(rng, min(2, len(tried)), min(4, len(tried)))]],
        )
    )
    if rng.random() < 0.5:
        blocks.append(
            (
                "ul",
                [
                    f"Environment: {ctx['env']}",
                    f"Region: `{ctx['region']}`",
                    f"Tenant: `{ctx['tenant']}`",
                ],
            )
        )
    blocks.append(("p", pick(rng, CLOSINGS) + "\n\nThanks,\n" + signature))
    return blocks


def message_blocks(
    rng: random.Random,
    text: str,
    *,
    with_log: bool,
    scenario: Scenario,
    ctx: dict[str, str],
    t0: float,
) -> list[Block]:
    """A comment body as blocks: one paragraph, optionally followed by a short log excerpt."""
    blocks: list[Block] = [("p", text)]
    if with_log:
        lang, log = scenario.log(rng, t0, ctx)
        excerpt = "\n".join(log.split("\n")[:2])
        blocks.append(("code", lang, excerpt))
    return blocks
