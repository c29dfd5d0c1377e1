"""The vendor-neutral life of one generated ticket: who, what, when, and its SLA clocks.

:func:`build_skeleton` draws a ticket from ``random.Random(f"{seed}:{account}:{index}")``: its
age, status, priority, people, scenario, conversation timeline and SLA targets, all relative to
``now`` (Unix seconds). The vendor renderers turn a :class:`Skeleton` into each vendor's JSON.
The first tickets of every account follow fixed :data:`SHOWCASE` profiles so that even a tiny
data set has every SLA stage, aging bucket and edge case.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from queuebench.domain.models import Priority, SlaMetric, Status, Vendor
from queuebench.sandbox import content
from queuebench.sandbox.content import Block, Scenario, pick, randint
from queuebench.sandbox.records import AccountSpec

__all__ = [
    "DAY",
    "GOALS",
    "HOUR",
    "SHOWCASE",
    "Message",
    "Org",
    "Person",
    "Pools",
    "Skeleton",
    "Target",
    "build_pools",
    "build_skeleton",
]

HOUR = 3600
DAY = 86400

GOALS: dict[SlaMetric, dict[Priority, int]] = {
    SlaMetric.FIRST_RESPONSE: {
        Priority.P1: 1 * HOUR,
        Priority.P2: 4 * HOUR,
        Priority.P3: 8 * HOUR,
        Priority.P4: 24 * HOUR,
    },
    SlaMetric.NEXT_RESPONSE: {
        Priority.P1: 2 * HOUR,
        Priority.P2: 8 * HOUR,
        Priority.P3: 24 * HOUR,
        Priority.P4: 48 * HOUR,
    },
    SlaMetric.PERIODIC_UPDATE: {Priority.P1: 4 * HOUR, Priority.P2: 24 * HOUR},
    SlaMetric.RESOLUTION: {
        Priority.P1: 1 * DAY,
        Priority.P2: 3 * DAY,
        Priority.P3: 7 * DAY,
        Priority.P4: 14 * DAY,
    },
}
"""Calendar-time SLA goals per metric and priority (the sandbox's policies)."""


_AGE_BUCKETS: tuple[tuple[float, int, int], ...] = (
    (0.05, 5 * 60, HOUR),
    (0.12, HOUR, DAY),
    (0.28, DAY, 7 * DAY),
    (0.18, 7 * DAY, 14 * DAY),
    (0.20, 14 * DAY, 30 * DAY),
    (0.17, 30 * DAY, 75 * DAY),
)


# --- pools ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Org:
    """A customer organisation; without a contract its tickets carry no SLA."""

    idx: int
    name: str
    domain: str
    has_contract: bool


@dataclass(frozen=True, slots=True)
class Person:
    """A customer or an agent."""

    idx: int
    name: str
    first: str
    email: str
    org: int | None
    tz: str
    agent: bool
    group: int | None = None


@dataclass(frozen=True, slots=True)
class Pools:
    """The people, organisations and groups of one account."""

    orgs: tuple[Org, ...]
    customers: tuple[Person, ...]
    agents: tuple[Person, ...]
    groups: tuple[str, ...]


CUSTOMERS_PER_ACCOUNT = 240


def build_pools(seed: int, account: str) -> Pools:
    """The fixed pools of one account (independent of the ticket count)."""
    rng = random.Random(f"{seed}:{account}:pools")
    companies = list(content.COMPANIES)
    rng.shuffle(companies)
    # The last three organisations have no support contract: their tickets carry no SLA.
    orgs = tuple(
        Org(i, name, domain, has_contract=i < len(companies) - 3)
        for i, (name, domain) in enumerate(companies)
    )
    customers = []
    used: set[str] = set()
    for i in range(CUSTOMERS_PER_ACCOUNT):
        first = pick(rng, content.FIRST_NAMES)
        last = pick(rng, content.LAST_NAMES)
        org = None if i % 23 == 22 else i % len(orgs)
        domain = orgs[org].domain if org is not None else "mail.example.net"
        local = f"{content.ascii_fold(first)}.{content.ascii_fold(last)}"
        email = f"{local}@{domain}"
        if email in used:
            email = f"{local}{i}@{domain}"
        used.add(email)
        customers.append(
            Person(
                idx=i,
                name=f"{first} {last}",
                first=first,
                email=email,
                org=org,
                tz=pick(rng, content.TIMEZONES),
                agent=False,
            )
        )
    groups = content.GROUP_NAMES
    agents = tuple(
        Person(
            idx=i,
            name=name,
            first=name.split(" ")[0],
            email=f"{content.ascii_fold(name)}@acme.example",
            org=None,
            tz=pick(rng, ("Europe/Dublin", "America/New_York", "Asia/Singapore")),
            agent=True,
            group=i % len(groups),
        )
        for i, name in enumerate(content.AGENT_NAMES)
    )
    return Pools(orgs, tuple(customers), agents, groups)


# --- the vendor-neutral skeleton ------------------------------------------------------------


@dataclass(slots=True)
class Message:
    """One conversation entry; the first message of a ticket is its description."""

    at: int
    author: Person
    public: bool
    blocks: list[Block]


@dataclass(slots=True)
class Target:
    """One SLA clock in calendar seconds: start, goal, scheduled breach and its state."""

    metric: SlaMetric
    start: int
    goal: int
    breach: int
    state: str  # "running" | "paused" | "done"
    stop: int | None = None
    paused_at: int | None = None
    paused_total: int = 0
    vendor_metric: str = ""

    def breached_at(self, moment: int) -> bool:
        """Whether the target had breached as seen at ``moment``."""
        if self.state == "done":
            assert self.stop is not None
            return self.stop > self.breach
        if self.state == "paused":
            assert self.paused_at is not None
            return self.paused_at > self.breach
        return moment >= self.breach

    def elapsed(self, moment: int) -> int:
        """Running seconds consumed by ``moment`` (pauses excluded)."""
        end = self.stop if self.state == "done" else self.paused_at
        end = moment if end is None else end
        return max(0, end - self.start - self.paused_total)


@dataclass(slots=True)
class Skeleton:
    """Everything about one ticket that does not depend on the vendor."""

    index: int
    created: int
    updated: int
    status: Status
    solved_at: int | None
    closed_at: int | None
    priority: Priority | None
    requester: Person
    org: Org | None
    assignee: Person | None
    group: int | None
    scenario: Scenario
    subject: str
    description: list[Block]
    messages: list[Message]
    tags: list[str]
    targets: list[Target]
    has_sla: bool
    ctx: dict[str, str]
    rng: random.Random


SHOWCASE: tuple[dict[str, Any], ...] = (
    # breached first response on a fresh P1
    {"status": Status.OPEN, "priority": Priority.P1, "age": 3 * HOUR, "unanswered": True},
    # first response due within the hour
    {"status": Status.OPEN, "priority": Priority.P2, "age": 4 * HOUR - 25 * 60, "unanswered": True},
    # paused resolution while waiting for the customer
    {"status": Status.PENDING, "priority": Priority.P3, "age": 2 * DAY},
    # everything achieved
    {"status": Status.SOLVED, "priority": Priority.P2, "age": 5 * DAY, "on_time": True},
    # a customer without a support contract: no SLA
    {"status": Status.OPEN, "priority": Priority.P3, "age": 26 * HOUR, "no_contract": True},
    # brand new, unassigned, no priority on Zendesk
    {"status": Status.NEW, "priority": None, "age": 40 * 60, "unassigned": True},
    # on hold for engineering
    {"status": Status.ON_HOLD, "priority": Priority.P2, "age": 9 * DAY},
    # aging 14–30 days with a breached resolution target
    {"status": Status.OPEN, "priority": Priority.P3, "age": 20 * DAY, "res_due": None},
    # aging 7–14 days, resolution due in two days
    {"status": Status.OPEN, "priority": Priority.P4, "age": 10 * DAY, "res_due": 2 * DAY},
    # aging 30+ days, unassigned
    {"status": Status.OPEN, "priority": Priority.P2, "age": 45 * DAY, "unassigned": True},
    # long closed
    {"status": Status.CLOSED, "priority": Priority.P3, "age": 65 * DAY, "on_time": True},
    # P1 first response due in ten minutes
    {"status": Status.OPEN, "priority": Priority.P1, "age": 50 * 60, "unanswered": True},
)


def _pick_age(rng: random.Random) -> int:
    r = rng.random()
    for weight, low, high in _AGE_BUCKETS:
        if r < weight:
            return randint(rng, low, high)
        r -= weight
    return randint(rng, 30 * DAY, 75 * DAY)


def _pick_status(rng: random.Random, age: int) -> Status:
    table: tuple[tuple[Status, int], ...]
    if age < DAY:
        table = ((Status.NEW, 30), (Status.OPEN, 50), (Status.PENDING, 14), (Status.ON_HOLD, 6))
    elif age < 7 * DAY:
        table = (
            (Status.NEW, 5),
            (Status.OPEN, 45),
            (Status.PENDING, 20),
            (Status.ON_HOLD, 10),
            (Status.SOLVED, 15),
            (Status.CLOSED, 5),
        )
    elif age < 30 * DAY:
        table = (
            (Status.OPEN, 35),
            (Status.PENDING, 15),
            (Status.ON_HOLD, 10),
            (Status.SOLVED, 25),
            (Status.CLOSED, 15),
        )
    else:
        table = (
            (Status.OPEN, 25),
            (Status.PENDING, 10),
            (Status.ON_HOLD, 10),
            (Status.SOLVED, 20),
            (Status.CLOSED, 35),
        )
    r = rng.random() * sum(w for _, w in table)
    for status, weight in table:
        if r < weight:
            return status
        r -= weight
    return table[-1][0]


def _pick_priority(rng: random.Random, vendor: Vendor) -> Priority | None:
    r = rng.random()
    if r < 0.08:
        return Priority.P1
    if r < 0.30:
        return Priority.P2
    if r < 0.75:
        return Priority.P3
    if r < 0.94 or vendor is not Vendor.ZENDESK:
        return Priority.P4
    return None


_EXTRA_MESSAGES = (1, 2, 2, 3, 3, 3, 4, 4, 5, 6, 7)


def build_skeleton(spec: AccountSpec, pools: Pools, seed: int, index: int, now: int) -> Skeleton:
    """Draw ticket ``index`` of an account; SLA targets relative to ``now``."""
    rng = random.Random(f"{seed}:{spec.name}:{index}")
    profile = SHOWCASE[index] if index < len(SHOWCASE) else {}
    vendor = spec.vendor

    age = profile.get("age") or _pick_age(rng)
    # Showcase ages get a little jitter so they do not all share the same second.
    if profile:
        age += randint(rng, 0, 90)
    created = now - age
    status = profile.get("status") or _pick_status(rng, age)
    if "priority" in profile:
        priority = profile["priority"]
        if priority is None and vendor is not Vendor.ZENDESK:
            priority = Priority.P4
    else:
        priority = _pick_priority(rng, vendor)

    if profile.get("no_contract"):
        candidates = [
            c for c in pools.customers if c.org is not None and not pools.orgs[c.org].has_contract
        ]
        requester = candidates[int(rng.random() * len(candidates))]
    else:
        requester = pools.customers[int(rng.random() * len(pools.customers))]
    org = pools.orgs[requester.org] if requester.org is not None else None

    unassigned = profile.get("unassigned", False) or (
        not profile and rng.random() < (0.7 if status is Status.NEW else 0.06)
    )
    assignee = None if unassigned else pools.agents[int(rng.random() * len(pools.agents))]
    if assignee is not None:
        group: int | None = assignee.group
    else:
        group = None if rng.random() < 0.4 else int(rng.random() * len(pools.groups))

    scenario = content.SCENARIOS[int(rng.random() * len(content.SCENARIOS))]
    tenant = f"t-{(org.domain.split('.')[0] if org else 'individual')}-{index % 97:02d}"
    incident_t = created - randint(rng, 5 * 60, 3 * HOUR)
    ctx = content.make_context(
        rng,
        t0=incident_t,
        first=requester.first,
        org=org.name if org else requester.name,
        domain=org.domain if org else "example.net",
        tenant=tenant,
        product=scenario.product,
    )
    subject = content.fill(pick(rng, scenario.subjects), ctx)
    signature = requester.name + (f"\n{org.name}" if org else "")
    description = content.description_blocks(rng, scenario, ctx, incident_t, signature)

    unanswered = status is Status.NEW or profile.get("unanswered", False)
    if not profile and status is Status.OPEN and age < 2 * DAY and rng.random() < 0.25:
        unanswered = True

    # Timeline.
    solved_at: int | None = None
    closed_at: int | None = None
    if status is Status.SOLVED:
        solved_at = created + int(age * rng.uniform(0.3, 0.95))
        last_at = solved_at
        updated = solved_at
    elif status is Status.CLOSED:
        solved_at = created + int(age * rng.uniform(0.15, 0.6))
        closed_at = min(now - 60, solved_at + 4 * DAY + randint(rng, 0, 12 * HOUR))
        closed_at = max(closed_at, solved_at + 60)
        last_at = solved_at
        updated = closed_at
    else:
        span = max(60, age - 60)
        last_at = now - int(span * rng.random() ** 2 * 0.9)
        last_at = max(last_at, created + 60)
        updated = min(now, last_at + randint(rng, 0, 120))

    extra = pick(rng, _EXTRA_MESSAGES) + (0 if vendor is Vendor.ZENDESK else 1)
    agent_pool = pools.agents
    main_agent = assignee or agent_pool[int(rng.random() * len(agent_pool))]

    def agent_for() -> Person:
        """The agent who writes the next agent message (mostly the assignee)."""
        if rng.random() < 0.75:
            return main_agent
        return agent_pool[int(rng.random() * len(agent_pool))]

    roles: list[str] = []
    if unanswered:
        for _ in range(extra):
            roles.append("customer" if rng.random() < 0.7 else "internal")
    else:
        roles.append("agent" if rng.random() < 0.8 else "internal")
        for _ in range(extra - 1):
            r = rng.random()
            roles.append("customer" if r < 0.35 else "agent" if r < 0.7 else "internal")
        if "agent" not in roles:
            roles[0] = "agent"
        if status is Status.PENDING:
            roles[-1] = "ask"
        elif status is Status.ON_HOLD:
            roles[-1] = "hold"
            if "agent" not in roles[:-1]:
                if len(roles) >= 2:
                    roles[0] = "agent"
                else:
                    roles.insert(0, "agent")
        elif status in (Status.SOLVED, Status.CLOSED):
            roles[-1] = "solve"

    n = len(roles)
    lo, hi = created + 30, max(created + 30, last_at)
    if not unanswered and n > 1:
        # Agents usually answer within (or just after) the first-response goal.
        goal = GOALS[SlaMetric.FIRST_RESPONSE][priority or Priority.P3]
        late = 0.9 if profile.get("on_time") else 1.2
        lo = min(created + int(goal * rng.uniform(0.05, late)), hi - n)
        lo = max(lo, created + 30)
    times = [lo, *sorted(randint(rng, lo, hi) for _ in range(n - 2)), hi] if n > 1 else [hi]
    # Make the times strictly increasing without passing ``hi`` (never after ``now``).
    for i in range(n - 2, -1, -1):
        if times[i] >= times[i + 1]:
            times[i] = times[i + 1] - 1
    messages: list[Message] = [Message(created, requester, True, description)]
    replies = 0  # agent public replies so far: scenario replies tell their story in order
    notes = 0
    for role, at in zip(roles, times, strict=True):
        with_log = rng.random() < 0.25
        if role == "customer":
            pool = scenario.customer_followups + (
                content.GENERIC_CUSTOMER if replies else content.CHASERS
            )
            text = content.fill(pool[int(rng.random() * len(pool))], ctx)
            blocks = content.message_blocks(
                rng, text, with_log=with_log, scenario=scenario, ctx=ctx, t0=at - 600
            )
            messages.append(Message(at, requester, True, blocks))
        elif role == "agent":
            if replies < len(scenario.agent_replies):
                template = scenario.agent_replies[replies]
            else:
                template = content.GENERIC_AGENT[int(rng.random() * len(content.GENERIC_AGENT))]
            replies += 1
            messages.append(Message(at, agent_for(), True, [("p", content.fill(template, ctx))]))
        elif role == "internal":
            if notes < len(scenario.internal_notes) and (replies or notes == 0):
                template = scenario.internal_notes[notes]
            else:
                template = content.GENERIC_INTERNAL[
                    int(rng.random() * len(content.GENERIC_INTERNAL))
                ]
            notes += 1
            blocks = content.message_blocks(
                rng,
                content.fill(template, ctx),
                with_log=with_log,
                scenario=scenario,
                ctx=ctx,
                t0=at - 900,
            )
            messages.append(Message(at, agent_for(), False, blocks))
        elif role == "ask":
            text = content.fill(pick(rng, content.PENDING_ASKS), ctx)
            messages.append(Message(at, main_agent, True, [("p", text)]))
        elif role == "hold":
            text = content.fill(pick(rng, content.HOLD_NOTES), ctx)
            messages.append(Message(at, main_agent, False, [("p", text)]))
        else:  # solve
            text = content.fill(pick(rng, content.SOLVE_REPLIES), ctx)
            messages.append(Message(at, main_agent, True, [("p", text)]))

    tags = list(scenario.tags[: randint(rng, 1, len(scenario.tags))])
    if priority is Priority.P1:
        tags.append("sev1")
    if org is not None and org.idx % 5 == 0:
        tags.append("renewal-risk")

    has_sla = spec.has_vendor_sla and priority is not None and org is not None and org.has_contract
    sk = Skeleton(
        index=index,
        created=created,
        updated=max(updated, messages[-1].at),
        status=status,
        solved_at=solved_at,
        closed_at=closed_at,
        priority=priority,
        requester=requester,
        org=org,
        assignee=assignee,
        group=group,
        scenario=scenario,
        subject=subject,
        description=description,
        messages=messages,
        tags=tags,
        targets=[],
        has_sla=has_sla,
        ctx=ctx,
        rng=rng,
    )
    if has_sla:
        sk.targets = plan_targets(sk, vendor, now, profile)
    return sk


def plan_targets(sk: Skeleton, vendor: Vendor, now: int, profile: dict[str, Any]) -> list[Target]:
    """The SLA clocks of a ticket, consistent with its status and conversation."""
    rng = sk.rng
    assert sk.priority is not None
    p = sk.priority
    targets: list[Target] = []
    agent_public = [m for m in sk.messages[1:] if m.author.agent and m.public]
    first_reply = agent_public[0].at if agent_public else None

    fr_goal = GOALS[SlaMetric.FIRST_RESPONSE][p]
    fr = Target(SlaMetric.FIRST_RESPONSE, sk.created, fr_goal, sk.created + fr_goal, "running")
    if first_reply is not None:
        fr.state, fr.stop = "done", first_reply
    fr.vendor_metric = "first_reply_time"
    targets.append(fr)

    if vendor is Vendor.ZENDESK and sk.status is Status.OPEN and first_reply is not None:
        publics = [m for m in sk.messages if m.public]
        last_public = publics[-1]
        nr_goal = GOALS[SlaMetric.NEXT_RESPONSE][p]
        if not last_public.author.agent:
            nr = Target(
                SlaMetric.NEXT_RESPONSE,
                last_public.at,
                nr_goal,
                last_public.at + nr_goal,
                "running",
            )
            nr.vendor_metric = "next_reply_time"
            targets.append(nr)
        else:
            # The last customer message after the first reply was answered: achieved.
            waiting = [m for m in publics if not m.author.agent and m.at > first_reply]
            if waiting:
                asked = waiting[-1].at
                answer = next(m.at for m in publics if m.author.agent and m.at > asked)
                nr = Target(SlaMetric.NEXT_RESPONSE, asked, nr_goal, asked + nr_goal, "done")
                nr.stop = answer
                nr.vendor_metric = "next_reply_time"
                targets.append(nr)
        if p in GOALS[SlaMetric.PERIODIC_UPDATE]:
            pu_goal = GOALS[SlaMetric.PERIODIC_UPDATE][p]
            start = agent_public[-1].at
            pu = Target(SlaMetric.PERIODIC_UPDATE, start, pu_goal, start + pu_goal, "running")
            pu.vendor_metric = "periodic_update_time"
            targets.append(pu)

    res_goal = GOALS[SlaMetric.RESOLUTION][p]
    res = Target(SlaMetric.RESOLUTION, sk.created, res_goal, sk.created + res_goal, "running")
    res.vendor_metric = "requester_wait_time"
    lifetime = now - sk.created
    if sk.status in (Status.SOLVED, Status.CLOSED):
        assert sk.solved_at is not None
        took = sk.solved_at - sk.created
        if took > res_goal and (profile.get("on_time") or rng.random() < 0.85):
            # Most late-looking resolutions spent their extra time paused (pending/on hold).
            res.paused_total = took - int(res_goal * rng.uniform(0.4, 0.95))
        res.state, res.stop = "done", sk.solved_at
        if rng.random() < 0.3:
            res.vendor_metric = "total_resolution_time"
    elif sk.status in (Status.PENDING, Status.ON_HOLD):
        paused_at = sk.messages[-1].at
        ran = paused_at - sk.created
        if ran >= res_goal and rng.random() < 0.75:
            # Earlier pauses left time on the clock; the rest paused after breaching.
            remaining = int(res_goal * rng.uniform(0.2, 0.8))
            res.paused_total = ran - res_goal + remaining
        res.state, res.paused_at = "paused", paused_at
        if sk.status is Status.ON_HOLD:
            res.vendor_metric = "agent_work_time"
    else:
        if "res_due" in profile:
            due = profile["res_due"]
        else:
            r = rng.random()
            if r < 0.12:
                due = randint(rng, 5 * 60, 55 * 60)
            elif r < 0.40:
                due = randint(rng, HOUR, DAY)
            elif r < 0.80:
                due = randint(rng, DAY, 7 * DAY)
            else:
                due = None
        if due is not None:
            wanted = now + due - (sk.created + res_goal)
            res.paused_total = max(0, min(wanted, int(lifetime * 0.85)))
    res.breach = res.start + res.goal + res.paused_total
    targets.append(res)
    return targets
