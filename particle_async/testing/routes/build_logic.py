"""Logic: functions (JavaScript run by the cloud), their runs, run logs and statistics.

Routes exist for the sandbox, organizations and products (`owner_of`). The fake runs no
JavaScript: a "run" logs the string literals passed to `console.log/info/warn/error`
and ends in "Exception" if the code contains `throw`, else "Success". Saved functions
run for real events: each published event whose name starts with an enabled Event
trigger's `event_name` (from that trigger's product, or the sandbox owner's devices when
it names none), published after the trigger was saved, becomes a run. Runs are
collected from the cloud's event record whenever a logic route is called; the routes
that read them are in `build_logic_runs`.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from .._state import FakeEvent, iso_ms, utcnow
from .._wire import Ctx, as_bool, fail, json_response
from .build_ledger import Owner, owner_of, owner_routes

CONSOLE = re.compile(r"console\.(log|info|warn|error)\(\s*(['\"`])(.*?)\2\s*\)")
LEVELS = {"log": "Info", "info": "Info", "warn": "Warn", "error": "Error"}
MAX_RUNS = 100  # per function, newest kept


def simulate(code: str, at: datetime) -> tuple[str, list[dict[str, Any]]]:
    """(status, logs) of running `code` at `at`."""
    logs = [
        {"level": LEVELS[m.group(1)], "timestamp": iso_ms(at), "args": [m.group(3)]}
        for m in CONSOLE.finditer(code)
    ]
    if re.search(r"\bthrow\b", code):
        logs.append({"level": "Error", "timestamp": iso_ms(at), "args": ["Uncaught Error"]})
        return "Exception", logs
    return "Success", logs


@dataclass
class Run:
    id: str
    function_id: str
    trigger_id: str
    trigger_type: str
    status: str
    started_at: datetime
    logs: list[dict[str, Any]]


@dataclass
class Function:
    id: str
    owner: Owner
    body: dict[str, Any]  # name, description, enabled, source, logic_triggers, ...
    created_by: str
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)
    updated_by: str = ""
    version: int = 1
    armed_at: dict[str, datetime] = field(default_factory=dict)  # trigger id -> saved at
    runs: list[Run] = field(default_factory=list)  # newest first


@dataclass
class LogicState:
    functions: dict[str, Function] = field(default_factory=dict)
    last_event: FakeEvent | None = None  # the newest event already matched to triggers


def store(ctx: Ctx) -> LogicState:
    return ctx.state.area(LogicState)


# -- runs from published events ----------------------------------------------------------


def _new_events(ctx: Ctx, logic: LogicState) -> list[FakeEvent]:
    published = ctx.state.published
    start = 0
    if logic.last_event is not None:
        start = next(
            (i + 1 for i in range(len(published) - 1, -1, -1) if published[i] is logic.last_event),
            0,
        )
    if published:
        logic.last_event = published[-1]
    return published[start:]


def _matches(fn: Function, trigger: dict[str, Any], event: FakeEvent) -> bool:
    armed = fn.armed_at.get(str(trigger.get("id")))
    if armed is None or event.published_at < armed or not trigger.get("enabled", True):
        return False
    if trigger.get("type") != "Event" or not event.name.startswith(str(trigger.get("event_name"))):
        return False
    if trigger.get("product_id") is not None:
        return str(event.product_id) == str(trigger["product_id"])
    kind, _, owner = fn.owner.key.partition(":")  # no product named: the owner's events
    if kind == "product":
        return str(event.product_id) == owner
    return kind == "user" and event.owner == owner


def _run_for(fn: Function, trigger: dict[str, Any], event: FakeEvent) -> Run:
    status, logs = simulate(_code(fn.body), event.published_at)
    return Run(
        str(uuid.uuid4()), fn.id, str(trigger["id"]), "Event", status, event.published_at, logs
    )


def collect_runs(ctx: Ctx) -> None:
    """Turn the events published since the last call into runs of matching functions."""
    with ctx.state.lock:
        logic = store(ctx)
        events = _new_events(ctx, logic)
        for fn in logic.functions.values():
            enabled = fn.body.get("enabled", True)
            triggers = fn.body.get("logic_triggers", []) if enabled else []
            for event in events:
                for trigger in (t for t in triggers if _matches(fn, t, event)):
                    fn.runs = [_run_for(fn, trigger, event), *fn.runs][:MAX_RUNS]


# -- views -------------------------------------------------------------------------------


def _code(body: dict[str, Any]) -> str:
    source = body.get("source")
    return str(source.get("code", "")) if isinstance(source, dict) else ""


def owner_id(owner: Owner) -> str:
    return owner.key.split(":", 1)[0] + ":" + owner.id


def counts(runs: list[Run]) -> dict[str, int]:
    tally = Counter(r.status for r in runs)
    return {"success": tally["Success"], "failure": tally["Exception"], "timeout": tally["Timeout"]}


def function_view(fn: Function, *, today_stats: bool = False) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": fn.id,
        "owner_id": owner_id(fn.owner),
        "version": fn.version,
        "enabled": fn.body.get("enabled", True),
        "name": fn.body.get("name"),
        "description": fn.body.get("description", ""),
        "template_slug": fn.body.get("template_slug"),
        "source": fn.body.get("source"),
        "api_username": fn.body.get("api_username"),
        "created_at": iso_ms(fn.created_at),
        "updated_at": iso_ms(fn.updated_at),
        "created_by": fn.created_by,
        "updated_by": fn.updated_by or fn.created_by,
        "logic_triggers": [
            {**t, "logic_function_id": fn.id, "version": fn.version}
            for t in fn.body.get("logic_triggers", [])
        ],
    }
    if today_stats:
        today = utcnow().date()
        view["today_stats"] = counts([r for r in fn.runs if r.started_at.date() == today])
    return view


# -- functions ---------------------------------------------------------------------------


def _triggers(fn: Function | None, raw: Any) -> list[dict[str, Any]]:
    """Triggers as saved: an `id` that names an existing trigger updates it in place;
    others get a new id. Each is (re)armed: it sees events from now on."""
    if not isinstance(raw, list):
        raise fail(400, "logic_triggers must be a list")
    known = {t["id"] for t in (fn.body.get("logic_triggers", []) if fn else [])}
    saved = []
    for item in raw:
        if not isinstance(item, dict) or item.get("type") not in ("Event", "Scheduled"):
            raise fail(400, "each logic trigger needs type Event or Scheduled")
        if item["type"] == "Event" and not item.get("event_name"):
            raise fail(400, "an Event trigger needs event_name")
        if item["type"] == "Scheduled" and not item.get("cron"):
            raise fail(400, "a Scheduled trigger needs cron")
        trigger = {"enabled": True, **item}
        if trigger.get("id") not in known:
            trigger["id"] = str(uuid.uuid4())
        saved.append(trigger)
    return saved


def _function_body(ctx: Ctx) -> dict[str, Any]:
    body = ctx.param("logic_function", default=None)
    if not isinstance(body, dict):
        raise fail(400, "The body must hold `logic_function`")
    return body


def resolve_function(ctx: Ctx) -> Function:
    owner = owner_of(ctx)
    with ctx.state.lock:
        fn = store(ctx).functions.get(ctx.path("functionId"))
    if fn is None or fn.owner.key != owner.key:
        raise fail(404, f"Logic function {ctx.path('functionId')} not found")
    return fn


def _arm(fn: Function) -> None:
    now = utcnow()
    fn.armed_at = {str(t["id"]): now for t in fn.body.get("logic_triggers", [])}


async def create_function(ctx: Ctx) -> Response:
    """201 `{logic_function}`; its triggers are live at once."""
    owner, body = owner_of(ctx), _function_body(ctx)
    if not body.get("name"):
        raise fail(400, "logic_function.name is required")
    if not _code(body):
        raise fail(400, "logic_function.source.code is required")
    collect_runs(ctx)  # earlier events go to the functions that existed then
    body = {**body, "logic_triggers": _triggers(None, body.get("logic_triggers", []))}
    fn = Function(str(uuid.uuid4()), owner, body, created_by=owner_id(owner))
    with ctx.state.lock:
        if any(
            f.owner.key == owner.key and f.body.get("name") == body["name"]
            for f in store(ctx).functions.values()
        ):
            raise fail(400, f"A logic function named {body['name']} already exists")
        _arm(fn)
        store(ctx).functions[fn.id] = fn
    return json_response({"logic_function": function_view(fn)}, status=201)


async def get_function(ctx: Ctx) -> Response:
    return json_response({"logic_function": function_view(resolve_function(ctx))})


async def update_function(ctx: Ctx) -> Response:
    """The fields sent replace the saved ones; the docs answer 201 `{logic_function}`."""
    fn, body = resolve_function(ctx), _function_body(ctx)
    collect_runs(ctx)
    with ctx.state.lock:
        if "logic_triggers" in body:
            body = {**body, "logic_triggers": _triggers(fn, body["logic_triggers"])}
        fn.body = {**fn.body, **body}
        fn.version += 1
        fn.updated_at, fn.updated_by = utcnow(), owner_id(fn.owner)
        _arm(fn)
    return json_response({"logic_function": function_view(fn)}, status=201)


async def delete_function(ctx: Ctx) -> Response:
    fn = resolve_function(ctx)
    with ctx.state.lock:
        store(ctx).functions.pop(fn.id, None)
    return Response(status_code=204)


async def list_functions(ctx: Ctx) -> Response:
    """`{logic_functions}`; `today_stats=true` adds each one's run counts for today."""
    owner = owner_of(ctx)
    collect_runs(ctx)
    stats = as_bool(ctx.query("today_stats") or "false")
    with ctx.state.lock:
        found = [f for f in store(ctx).functions.values() if f.owner.key == owner.key]
        views = [
            function_view(f, today_stats=stats) for f in sorted(found, key=lambda f: f.created_at)
        ]
    return json_response({"logic_functions": views})


async def execute(ctx: Ctx) -> Response:
    """Run code once, unsaved: `{result: {status, logs}}`."""
    owner_of(ctx)
    source = ctx.param("source", default=None)
    if not isinstance(source, dict) or not source.get("code"):
        raise fail(400, "source.code is required")
    status, logs = simulate(str(source["code"]), utcnow())
    return json_response({"result": {"status": status, "logs": logs}})


FUNCTION = "/logic/functions/{functionId}"

routes: list[Route] = [
    *owner_routes("/logic/execute", execute, "POST"),
    *owner_routes("/logic/functions", list_functions, "GET"),
    *owner_routes("/logic/functions", create_function, "POST"),
    *owner_routes(FUNCTION, get_function, "GET"),
    *owner_routes(FUNCTION, update_function, "PUT"),
    *owner_routes(FUNCTION, delete_function, "DELETE"),
]
