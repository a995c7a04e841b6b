"""The cellular network status of a SIM, run by the cloud as an async task: the first
read starts it and answers 202 `pending` (the `sim_status` values null), the next read
finds it `complete` (200). A finished task is answered until it expires (3 minutes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from starlette.responses import Response
from starlette.routing import Route

from .._state import iso_ms, new_id, utcnow
from .._wire import Ctx, json_response
from .fleet_sims import both, device_of, resolve_sim

READS_UNTIL_STATUS = 2  # the status task completes on its 2nd read
STATUS_RETRY = timedelta(seconds=1)
STATUS_LIFETIME = timedelta(minutes=3)


@dataclass
class StatusTask:
    task_id: str
    created_at: datetime
    reads: int = 0


@dataclass
class StatusState:
    tasks: dict[str, StatusTask] = field(default_factory=dict)  # by ICCID


async def sim_status(ctx: Ctx) -> Response:
    now = utcnow()
    with ctx.state.lock:
        sim, _ = resolve_sim(ctx)
        tasks = ctx.state.area(StatusState).tasks
        task = tasks.get(sim.iccid)
        if task is None or now >= task.created_at + STATUS_LIFETIME:
            task = tasks[sim.iccid] = StatusTask(new_id()[:8], now)
        task.reads += 1
        done = task.reads >= READS_UNTIL_STATUS
        device = device_of(ctx.state, sim)
    active = sim.status == "active"
    online = active and device is not None and device.online
    meta = {
        "created_at": iso_ms(task.created_at),
        "expires_at": iso_ms(task.created_at + STATUS_LIFETIME),
        "check_again_after": iso_ms(now + STATUS_RETRY),
        "state": "complete" if done else "pending",
        "method": "async",
        "task_id": task.task_id,
    }
    status: dict[str, bool | None] = {
        "connected": online,
        "gsm_connection": active,
        "data_connection": online,
    }
    if not done:  # the answers are null until the task completes
        status = dict.fromkeys(status)
    return json_response(
        {"ok": True, "meta": meta, "sim_status": status}, status=200 if done else 202
    )


routes: list[Route] = both("sims/{iccid}/status", sim_status, "GET")
