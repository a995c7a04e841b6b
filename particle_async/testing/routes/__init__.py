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

AREAS: list[str] = [
    "events",
    "auth",
    "user",
    "fleet_devices",
    "fleet_protection",
    "devices",
    "products",
    "orgs",
    "accounts_user",
    "accounts_mfa",
    "accounts_clients",
    "accounts_customers",
    "accounts_team",
    "accounts_secrets",
    "fleet_groups",
    "fleet_diagnostics",
    "fleet_sims",
    "fleet_sim_status",
    "fleet_usage",
    "fleet_metrics",
    "fleet_location",
    "fleet_config",
    "build_firmware",
    "build_device_os",
    "build_product_firmware",
    "build_libraries",
    "build_library_uploads",
    "build_integrations",
    "build_ledger",
    "build_ledger_instances",
    "build_logic",
    "build_logic_runs",
    "build_env",
]


def collect_routes() -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    for area in AREAS:
        module = importlib.import_module(f"{__name__}.{area}")
        routes.extend(module.routes)
    return routes
