"""One worker of the fleet example: takes part in the bridge's election and handles events.

    PARTICLE_ACCESS_TOKEN=... PARTICLE_API_BASE_URL=... \
        python -m examples.fleet.worker --name w1 --redis URL    # until stdin closes

(the token comes from the environment, never the command line, where `ps` would show it)

Prints one JSON line per fact, for the starter (`python -m examples.fleet`) to read:
`{"w": name, "lead": true|false}` on a role change, `{"w": name, "connected": true}` when
its upstream connects while leading, `{"w": name, "h": entry_id, "d": data, "r": redelivered}`
for each event handled, `{"w": name, "gap": seconds, "reason": ...}` for each gap marker,
and `{"w": name, "done": true}` at a clean exit.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

import anyio
import redis.asyncio

from particle_async import Particle
from particle_async.streaming import StreamState, StreamStatus

LEASE_TTL = 1.0


def say(**fields: Any) -> None:
    print(json.dumps(fields), flush=True)


async def stop_on_eof(scope: anyio.CancelScope) -> None:
    """The starter closes our stdin to say "stop"."""
    await anyio.to_thread.run_sync(sys.stdin.read, abandon_on_cancel=True)
    scope.cancel()


async def run(args: argparse.Namespace) -> None:
    name = args.name
    r = redis.asyncio.Redis.from_url(args.redis)

    def on_status(status: StreamStatus) -> None:
        if status.state is StreamState.CONNECTED:
            say(w=name, connected=True)

    async with Particle(rate_limiter=None) as cloud:  # token and URL from the environment
        bridge = cloud.events.bridge(
            r,
            "fleet",
            "temp",
            owner=name,
            lease_ttl=LEASE_TTL,
            on_role=lambda leading: say(w=name, lead=leading),
            on_status=on_status,
        )
        async with bridge:
            consumer = bridge.consume("workers", name, block=0.2, min_idle=1.0, claim_every=0.25)
            async with anyio.create_task_group() as tg:
                tg.start_soon(stop_on_eof, tg.cancel_scope)
                async with consumer:
                    async for event in consumer:
                        if event.gap is not None:
                            say(w=name, gap=event.gap.seconds, reason=event.gap.reason)
                        else:
                            say(w=name, h=event.entry_id, d=event.data, r=event.redelivered)
    await r.aclose()
    say(w=name, done=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m examples.fleet.worker")
    parser.add_argument("--name", required=True)
    parser.add_argument("--redis", required=True)
    asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    main(sys.argv[1:])
