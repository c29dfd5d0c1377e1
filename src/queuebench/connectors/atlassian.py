"""Atlassian's API gateway for OAuth 2.0 (3LO): which site a token reaches, and under which id.

An OAuth access token from Atlassian is not sent to the site (``https://acme.atlassian.net``)
but to the gateway, ``https://api.atlassian.com/ex/jira/{cloudId}/rest/...``. The cloud id of
each site the token may use comes from ``GET {gateway}/oauth/token/accessible-resources``::

    [{"id": "<cloudId>", "url": "https://acme.atlassian.net", "name": "acme",
      "scopes": ["read:jira-work", ...], "avatarUrl": "..."}]

Public API::

    DEFAULT_API_URL                                  "https://api.atlassian.com"
    gateway_base(api_url, cloud_id) -> str           "{api_url}/ex/jira/{cloud_id}"
    parse_gateway_url(url) -> (api_url, cloud_id) | None
    same_site(a, b) -> bool                          case and trailing slash do not matter
    SiteResource                                     one entry of accessible-resources
    await accessible_resources(client, api_url) -> list[SiteResource]
    find_site(resources, url) / find_cloud(resources, cloud_id) -> SiteResource | None
    no_site_message(account, url, resources) -> str
    is_cloud_site(url) -> bool                       ``*.atlassian.net`` (or ``*.jira.com``)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from queuebench.connectors.http import AccountClient

__all__ = [
    "DEFAULT_API_URL",
    "RESOURCES_PATH",
    "SiteResource",
    "accessible_resources",
    "find_cloud",
    "find_site",
    "gateway_base",
    "is_cloud_site",
    "no_site_message",
    "parse_gateway_url",
    "same_site",
]

DEFAULT_API_URL = "https://api.atlassian.com"
"""Atlassian's API gateway (``api_url`` of an account sets another, e.g. a test server)."""
RESOURCES_PATH = "/oauth/token/accessible-resources"

_GATEWAY = re.compile(r"^(?P<api>https?://[^/]+)/ex/jira/(?P<cloud>[^/?#]+)/?$", re.IGNORECASE)


def gateway_base(api_url: str, cloud_id: str) -> str:
    """Where the REST API of the site with ``cloud_id`` is reached through the gateway."""
    return f"{api_url.rstrip('/')}/ex/jira/{cloud_id}"


def parse_gateway_url(url: str) -> tuple[str, str] | None:
    """``(api_url, cloud_id)`` of a ``https://api.atlassian.com/ex/jira/ID`` URL, else ``None``."""
    match = _GATEWAY.match(url.strip())
    if match is None:
        return None
    return match["api"], match["cloud"]


def _site_key(url: str) -> str:
    return url.strip().rstrip("/").lower()


def same_site(a: str, b: str) -> bool:
    """Whether two site URLs name the same site (case and a trailing slash do not matter)."""
    return _site_key(a) == _site_key(b)


@dataclass(frozen=True)
class SiteResource:
    """One site an access token may use."""

    cloud_id: str
    url: str
    name: str


async def accessible_resources(client: AccountClient, api_url: str) -> list[SiteResource]:
    """The sites the account's access token reaches (renewing the token first if needed)."""
    endpoint = api_url.rstrip("/") + RESOURCES_PATH
    body = await client.get(endpoint, endpoint=endpoint)
    if not isinstance(body, list):
        raise client.shape_error(endpoint, "not a list of sites")
    sites: list[SiteResource] = []
    for item in body:
        if not isinstance(item, Mapping):
            continue
        cloud_id, url = item.get("id"), item.get("url")
        if isinstance(cloud_id, str) and cloud_id and isinstance(url, str) and url:
            name = item.get("name")
            sites.append(
                SiteResource(cloud_id, url.rstrip("/"), name if isinstance(name, str) else "")
            )
    return sites


def find_site(resources: Iterable[SiteResource], url: str) -> SiteResource | None:
    """The resource of the site at ``url``."""
    return next((r for r in resources if same_site(r.url, url)), None)


def find_cloud(resources: Iterable[SiteResource], cloud_id: str) -> SiteResource | None:
    """The resource whose cloud id is ``cloud_id``."""
    return next((r for r in resources if r.cloud_id.lower() == cloud_id.lower()), None)


def is_cloud_site(url: str) -> bool:
    """Whether ``url`` is an Atlassian Cloud site (reached through the gateway with OAuth)."""
    host = urlsplit(url.strip()).hostname or ""
    return host.endswith((".atlassian.net", ".jira.com"))


def no_site_message(account: str, url: str, resources: Iterable[SiteResource]) -> str:
    """The token does not reach ``url``: the sites it does reach, and the fix."""
    seen = [r.url for r in resources]
    sites = ", ".join(seen) if seen else "none"
    return (
        f"The OAuth token of account {account!r} cannot reach the Jira site {url} (the sites it "
        f"can reach: {sites}). Run the command again with --url set to one of those sites, or "
        "grant the OAuth app access to that site (its consent screen lets you pick the site) "
        "and give the tokens that grant returns."
    )
