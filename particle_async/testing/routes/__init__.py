"""One module per API area, each exposing `routes: list[starlette.routing.Route]`.

To add an area, drop a module in this package and list it in `AREAS`. Order matters:
starlette takes the first route that matches, and the event-stream paths
(`/v1/devices/events`, `/v1/devices/:id/events`) would otherwise be read as a device
named "events" or a variable named "events", which is also how the real API resolves
them. Modules are imported when the app is built, so they may import `.._app` freely.
"""

from __future__ import annotations

import importlib

from starlette.routing import BaseRoute

AREAS: list[str] = ["events", "auth", "user", "devices", "products", "orgs"]


def collect_routes() -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    for area in AREAS:
        module = importlib.import_module(f"{__name__}.{area}")
        routes.extend(module.routes)
    return routes
