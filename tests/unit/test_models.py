"""Models parse every era's wire quirks and keep what they do not model."""

from __future__ import annotations

from datetime import datetime, timezone

import attrs
import pytest

from particle_async import Device, Event, FunctionResult, VariableValue
from particle_async.models import parse_datetime


def test_device_keeps_unknown_fields_and_is_frozen() -> None:
    device = Device.from_api({"id": "abc", "connected": True, "brand_new_field": {"x": 1}})
    assert device.get("brand_new_field") == {"x": 1}
    assert device.is_online
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        device.name = "x"  # type: ignore[misc]
    assert "brand_new_field" not in repr(device)


def test_device_tolerates_missing_and_odd_types() -> None:
    device = Device.from_api({"id": 5, "platform_id": "6", "last_heard": None, "functions": None})
    assert device.id == "5"
    assert device.platform_id == 6
    assert device.last_heard is None
    assert device.functions == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2015-07-18T00:12:18.174Z", datetime(2015, 7, 18, 0, 12, 18, 174000, tzinfo=timezone.utc)),
        ("2015-01-01T14:35:0.000Z", datetime(2015, 1, 1, 14, 35, 0, tzinfo=timezone.utc)),
        ("2020-01-01", datetime(2020, 1, 1, tzinfo=timezone.utc)),
        ("not a date", None),
        (None, None),
    ],
)
def test_parse_datetime(text: str | None, expected: datetime | None) -> None:
    assert parse_datetime(text) == expected


def test_event_ttl_as_string_or_number() -> None:
    old = Event.from_api({"data": "25.34", "ttl": "60", "coreid": "abc"})
    new = Event.from_api({"data": "25.34", "ttl": 60, "coreid": "abc"})
    assert old.ttl == new.ttl == 60
    assert Event.from_api({"coreid": "api"}).from_api_user
    assert Event.from_api({"data": '{"a": 1}'}).json() == {"a": 1}


def test_function_and_variable_results() -> None:
    assert FunctionResult.from_api({"return_value": "3"}).return_value == 3
    value = VariableValue.from_api(
        {"name": "temperature", "result": 42, "coreInfo": {"deviceID": "53ff"}}
    )
    assert (value.result, value.device_id) == (42, "53ff")
