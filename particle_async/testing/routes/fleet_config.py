"""Product and device configuration (Tracker style) and the JSON Schemas behind it.

Values and schema share routes: a schema is read with `Accept: application/schema+json`
and written with that `Content-Type`. Writes replace the whole document. A value that
breaks the schema, or a schema that is not one, answers 422 `{message, description,
violations}` (ajv-style violations). A product-wide update answers 202; a device update
200 when the device is online (applied at once) or 202 (pending until it is back: a read
of an online device applies what is pending, as the device would on connecting).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .._shared import resolve_product, resolve_product_device
from .._state import FakeDevice, FakeProduct
from .._wire import Ctx, api, fail, json_response
from .fleet_schema import DEFAULT_SCHEMA, Json, schema_violations, unprocessable, violations

SCHEMA_TYPE = "application/schema+json"


@dataclass
class DeviceConfig:
    current: Json | None = None
    pending: Json | None = None
    own: bool = False  # overrides the product defaults


@dataclass
class ProductConfig:
    schema: Json | None = None  # None: the Tracker Edge default
    values: Json | None = None  # None: never set (reads answer 404 {})
    device_schemas: dict[str, Json] = field(default_factory=dict)
    devices: dict[str, DeviceConfig] = field(default_factory=dict)


@dataclass
class ConfigState:
    products: dict[int, ProductConfig] = field(default_factory=dict)


# -- state helpers -----------------------------------------------------------------------


def config_of(ctx: Ctx, product: FakeProduct) -> ProductConfig:
    return ctx.state.area(ConfigState).products.setdefault(product.id, ProductConfig())


def schema_for(config: ProductConfig, device: FakeDevice | None) -> Json:
    if device is not None and device.id in config.device_schemas:
        return config.device_schemas[device.id]
    return config.schema or DEFAULT_SCHEMA


def _deliver(device: FakeDevice, record: DeviceConfig, values: Json | None) -> bool:
    """Queue `values` for the device; an online device applies them at once."""
    record.pending = copy.deepcopy(values)
    if device.online:
        record.current = copy.deepcopy(values)
    return device.online


async def _body(ctx: Ctx) -> Any:
    raw = await ctx.request.body()
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        raise fail(400, "Unable to parse JSON body") from None


def _wants_schema(ctx: Ctx) -> bool:
    return SCHEMA_TYPE in ctx.request.headers.get("accept", "")


def _sends_schema(ctx: Ctx) -> bool:
    return ctx.request.headers.get("content-type", "").startswith(SCHEMA_TYPE)


def _schema_response(schema: Json) -> Response:
    return JSONResponse(schema, media_type=SCHEMA_TYPE)


# -- routes ------------------------------------------------------------------------------


async def get_product(ctx: Ctx) -> Response:
    product = resolve_product(ctx, ctx.path("product"))
    with ctx.state.lock:
        config = config_of(ctx, product)
        if _wants_schema(ctx):
            return _schema_response(copy.deepcopy(schema_for(config, None)))
        if config.values is None:
            return json_response({}, status=404)
        return json_response({"configuration": copy.deepcopy(config.values)})


async def put_product(ctx: Ctx) -> Response:
    product = resolve_product(ctx, ctx.path("product"))
    body = await _body(ctx)
    if not isinstance(body, dict):
        raise fail(400, "The body must be a JSON object")
    with ctx.state.lock:
        config = config_of(ctx, product)
        if _sends_schema(ctx):
            if found := schema_violations(body):
                raise unprocessable("Invalid Schema", found)
            config.schema = copy.deepcopy(body)
            return _schema_response(body)
        only = body.pop("deviceIds", None)
        devices = [d for d in ctx.state.all_devices() if d.product_id == product.id]
        if only is not None:
            devices = [d for d in devices if d.id in {str(i).lower() for i in only}]
        if body and (found := violations(schema_for(config, None), body)):
            raise unprocessable("Invalid configuration", found)
        if only is None:
            config.values = copy.deepcopy(body)
        for device in devices:
            record = config.devices.setdefault(device.id, DeviceConfig())
            if only is None and record.own:
                continue
            record.own = only is not None and bool(body)
            _deliver(device, record, body if record.own or only is None else config.values)
    return json_response({}, status=202)


async def delete_product_schema(ctx: Ctx) -> Response:
    product = resolve_product(ctx, ctx.path("product"))
    with ctx.state.lock:
        config_of(ctx, product).schema = None
    return Response(status_code=204)


async def get_device(ctx: Ctx) -> Response:
    product, device = resolve_product_device(ctx)
    with ctx.state.lock:
        config = config_of(ctx, product)
        if _wants_schema(ctx):
            return _schema_response(copy.deepcopy(schema_for(config, device)))
        record = config.devices.get(device.id)
        if record is None and config.values is not None:
            record = config.devices[device.id] = DeviceConfig()
            _deliver(device, record, config.values)
        if record is None:
            return json_response({}, status=404)
        if device.online and record.pending is not None:
            record.current = copy.deepcopy(record.pending)  # the device caught up
        view = {"current": record.current or {}, "pending": record.pending or {}}
        return json_response({"configuration": copy.deepcopy(view)})


async def put_device(ctx: Ctx) -> Response:
    product, device = resolve_product_device(ctx)
    body = await _body(ctx)
    if not isinstance(body, dict):
        raise fail(400, "The body must be a JSON object")
    with ctx.state.lock:
        config = config_of(ctx, product)
        if _sends_schema(ctx):
            if found := schema_violations(body):
                raise unprocessable("Invalid Schema", found)
            config.device_schemas[device.id] = copy.deepcopy(body)
            return _schema_response(body)
        if body and (found := violations(schema_for(config, device), body)):
            raise unprocessable("Invalid configuration", found)
        record = config.devices.setdefault(device.id, DeviceConfig())
        record.own = bool(body)  # an empty body resets the device to the product defaults
        applied = _deliver(device, record, body if body else config.values)
    return json_response({}, status=200 if applied else 202)


async def delete_device_schema(ctx: Ctx) -> Response:
    product, device = resolve_product_device(ctx)
    with ctx.state.lock:
        config_of(ctx, product).device_schemas.pop(device.id, None)
    return Response(status_code=204)


CONFIG = "/v1/products/{product}/config"
DEVICE_CONFIG = CONFIG + "/{deviceId}"

routes: list[Route] = [
    api(CONFIG, get_product, "GET"),
    api(CONFIG, put_product, "PUT"),
    api(CONFIG, delete_product_schema, "DELETE"),
    api(DEVICE_CONFIG, get_device, "GET"),
    api(DEVICE_CONFIG, put_device, "PUT"),
    api(DEVICE_CONFIG, delete_device_schema, "DELETE"),
]
