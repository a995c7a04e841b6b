"""The JSON Schema subset that configuration schemas use, checked the way the cloud does
(ajv-style violations), and the default (Tracker Edge) configuration schema.

`violations(schema, value)` checks configuration values: type, enum, numeric bounds,
required, properties and additionalProperties. `schema_violations(schema)` checks that a
schema is one: an object schema with known keywords and JSON types.
"""

from __future__ import annotations

from typing import Any

from .._wire import ApiError

JSON_TYPES = {"object", "array", "string", "integer", "number", "boolean", "null"}
SCHEMA_KEYS = {
    "$schema", "$id", "$comment", "type", "title", "description", "required", "properties",
    "additionalProperties", "definitions", "default", "examples", "version",
}  # fmt: skip

Json = dict[str, Any]


def _section(properties: Json) -> Json:
    return {"type": "object", "properties": properties, "additionalProperties": False}


DEFAULT_SCHEMA: Json = {
    "$schema": "https://particle.io/draft-07/schema#",
    "type": "object",
    "title": "Tracker Edge configuration",
    "properties": {
        "location": _section(
            {
                "radius": {"type": "number", "minimum": 0},
                "interval_min": {"type": "integer", "minimum": 0},
                "interval_max": {"type": "integer", "minimum": 0},
                "min_publish": {"type": "boolean"},
            }
        ),
        "imu_trig": _section(
            {
                "motion": {"type": "string", "enum": ["disable", "low", "medium", "high"]},
                "high_g": {"type": "string", "enum": ["disable", "enable"]},
            }
        ),
        "rgb": _section(
            {
                "type": {"type": "string", "enum": ["off", "tracker", "particle", "direct"]},
                "direct": {"type": "object"},
            }
        ),
    },
    "additionalProperties": False,
}


def _is(kind: str, value: Any) -> bool:
    if kind == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    types = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}
    return isinstance(value, types[kind])


def _v(keyword: str, data: str, where: str, params: Json, message: str) -> Json:
    return {
        "keyword": keyword,
        "dataPath": data,
        "schemaPath": f"{where}/{keyword}",
        "params": params,
        "message": message,
    }


ONE_OF_ALLOWED = "should be equal to one of the allowed values"
NO_EXTRA = "should NOT have additional properties"
BOUNDS = (
    ("minimum", ">="),
    ("maximum", "<="),
    ("exclusiveMinimum", ">"),
    ("exclusiveMaximum", "<"),
)


def _within(value: float, op: str, limit: float) -> bool:
    return {">=": value >= limit, "<=": value <= limit, ">": value > limit, "<": value < limit}[op]


def violations(schema: Any, value: Any, data: str = "", where: str = "#") -> list[Json]:
    """ajv-style violations of `value` against `schema`: type, enum, numeric bounds,
    required, properties and additionalProperties (the first failing keyword per node)."""
    if not isinstance(schema, dict):
        return []
    kinds = schema.get("type")
    kinds = [kinds] if isinstance(kinds, str) else list(kinds or [])
    if kinds and not any(_is(k, value) for k in kinds if k in JSON_TYPES):
        wanted = ",".join(kinds)
        return [_v("type", data, where, {"type": wanted}, f"should be {wanted}")]
    if "enum" in schema and value not in schema["enum"]:
        return [_v("enum", data, where, {"allowedValues": schema["enum"]}, ONE_OF_ALLOWED)]
    for keyword, op in BOUNDS if _is("number", value) else ():
        limit = schema.get(keyword)
        if limit is not None and not _within(value, op, limit):
            params = {"comparison": op, "limit": limit}
            return [_v(keyword, data, where, params, f"should be {op} {limit}")]
    if not isinstance(value, dict):
        return []
    for name in schema.get("required", []):
        if name not in value:
            message = f"should have required property '{name}'"
            return [_v("required", data, where, {"missingProperty": name}, message)]
    properties = schema.get("properties") or {}
    found: list[Json] = []
    for name, item in value.items():
        if name in properties:
            found += violations(
                properties[name], item, f"{data}.{name}", f"{where}/properties/{name}"
            )
        elif schema.get("additionalProperties") is False:
            params = {"additionalProperty": name}
            found.append(_v("additionalProperties", data, where, params, NO_EXTRA))
    return found


def schema_violations(schema: Any, data: str = "") -> list[Json]:
    """Whether `schema` is a configuration schema: an object schema whose keywords and
    types (recursively, through `properties`) are ones JSON Schema knows."""
    if not isinstance(schema, dict):
        return [_v("type", data, "#", {"type": "object"}, "should be object")]
    found = []
    if not data:  # the root: an object schema with known keywords only
        if schema.get("type") != "object":
            params = {"allowedValue": "object"}
            found.append(_v("const", ".type", "#/properties/type", params, "should be object"))
        for key in schema:
            if key not in SCHEMA_KEYS:
                extra: Json = {"additionalProperty": key}
                found.append(_v("additionalProperties", data, "#", extra, NO_EXTRA))
    kinds = schema.get("type")
    for kind in [kinds] if isinstance(kinds, str) else list(kinds or []):
        if kind not in JSON_TYPES:
            allowed: Json = {"allowedValues": sorted(JSON_TYPES)}
            found.append(
                _v("enum", f"{data}.type", "#/definitions/simpleTypes", allowed, ONE_OF_ALLOWED)
            )
    properties = schema.get("properties", {})
    if not isinstance(properties, dict):
        params = {"type": "object"}
        return [
            *found,
            _v("type", f"{data}.properties", "#/properties/properties", params, "should be object"),
        ]
    for name, sub in properties.items():
        found += schema_violations(sub, f"{data}.properties['{name}']")
    return found


def unprocessable(message: str, found: list[Json]) -> ApiError:
    first = found[0]
    description = f"data{first['dataPath']} {first['message']}"
    return ApiError(422, {"message": message, "description": description, "violations": found})
