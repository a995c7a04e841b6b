"""Models of environment variables: own and inherited values, snapshots, renders, rollouts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._base import Model, as_bool, as_str, parse_datetime, wire

__all__ = [
    "EnvRollout",
    "EnvRolloutChange",
    "EnvRolloutDiff",
    "EnvVarsLayer",
    "EnvVarsOnDevice",
    "EnvVarsState",
    "InheritedEnvVar",
    "RenderedEnvVars",
]


def _strings(value: Any) -> Mapping[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): "" if v is None else str(v) for k, v in value.items()}


def _own(value: Any) -> Mapping[str, str]:
    """`{KEY: {value: "x"}}` as `{KEY: "x"}` (plain strings are accepted too)."""
    if not isinstance(value, Mapping):
        return {}
    return {
        str(k): str(v.get("value", "")) if isinstance(v, Mapping) else str(v)
        for k, v in value.items()
    }


@attrs.frozen(kw_only=True)
class InheritedEnvVar(Model):
    """A value that comes from a wider scope: `source` is Owner, Product or Firmware.

    Attributes:
        source: where the value comes from: Owner, Product or Firmware (wire key `from`).
        value: the inherited value.
    """

    source: str | None = wire("from", convert=as_str)
    value: str | None = wire(convert=as_str)


def _inherited(value: Any) -> Mapping[str, InheritedEnvVar]:
    if not isinstance(value, Mapping):
        return {}
    return {
        str(k): InheritedEnvVar.from_api(v if isinstance(v, Mapping) else {"value": v})
        for k, v in value.items()
    }


@attrs.frozen(kw_only=True)
class EnvVarsLayer(Model):
    """The variables of one scope (`latest`, or the `last_snapshot` rolled out to devices).

    Attributes:
        own: variables set in this scope.
        inherited: variables that come from a wider scope, with where from.
        created_at: when the layer was created.
        updated_at: when it last changed.
        created_by: who created it.
        updated_by: who last changed it.
        rollout_at: when it was rolled out to devices.
        rollout_by: who rolled it out.
    """

    own: Mapping[str, str] = wire(convert=_own, factory=dict)
    inherited: Mapping[str, InheritedEnvVar] = wire(convert=_inherited, factory=dict)
    created_at: datetime | None = wire(convert=parse_datetime)
    updated_at: datetime | None = wire(convert=parse_datetime)
    created_by: str | None = wire(convert=as_str)
    updated_by: str | None = wire(convert=as_str)
    rollout_at: datetime | None = wire(convert=parse_datetime)
    rollout_by: str | None = wire(convert=as_str)

    @property
    def effective(self) -> dict[str, str]:
        """Inherited values overridden by this scope's own."""
        merged = {k: v.value or "" for k, v in self.inherited.items()}
        merged.update(self.own)
        return merged


@attrs.frozen(kw_only=True)
class EnvVarsOnDevice(Model):
    """What a device last reported it is running with.

    Attributes:
        rendered: the flattened values the device reported.
        last_reported_at: when it reported them.
        development_env: the device runs a development environment.
    """

    rendered: Mapping[str, str] = wire(convert=_strings, factory=dict)
    last_reported_at: datetime | None = wire(convert=parse_datetime)
    development_env: bool | None = wire(convert=as_bool)


def _layer(value: Any) -> EnvVarsLayer | None:
    return EnvVarsLayer.from_api(value) if isinstance(value, Mapping) else None


@attrs.frozen(kw_only=True)
class EnvVarsState(Model):
    """A scope's environment variables: `latest` (edited), `last_snapshot` (rolled out).

    Attributes:
        latest: the variables as edited (not yet rolled out).
        last_snapshot: the variables as last rolled out to devices.
        on_device: what the device reports (device scope only).
    """

    latest: EnvVarsLayer | None = wire(convert=_layer)
    last_snapshot: EnvVarsLayer | None = wire(convert=_layer)
    on_device: EnvVarsOnDevice | None = wire(
        convert=lambda v: EnvVarsOnDevice.from_api(v) if isinstance(v, Mapping) else None
    )


@attrs.frozen(kw_only=True)
class RenderedEnvVars(Model):
    """The flattened values a device in this scope would get.

    Attributes:
        env: variable names to the values a device would get.
        last_updated_at: when any of them last changed.
        rollout_at: when they were last rolled out.
        rollout_by: who rolled them out.
    """

    env: Mapping[str, str] = wire(convert=_strings, factory=dict)
    last_updated_at: datetime | None = wire(convert=parse_datetime)
    rollout_at: datetime | None = wire(convert=parse_datetime)
    rollout_by: str | None = wire(convert=as_str)


@attrs.frozen(kw_only=True)
class EnvRolloutChange(Model):
    """One key's change in a pending rollout: `op` is Added, Changed or Removed.

    Attributes:
        op: `Added`, `Changed` or `Removed`.
        key: the variable's name.
        before: its value before (None when added).
        after: its value after (None when removed).
    """

    op: str | None = wire(convert=as_str)
    key: str = wire(convert=str, default="")
    before: str | None = wire(convert=as_str)
    after: str | None = wire(convert=as_str)


@attrs.frozen(kw_only=True)
class EnvRolloutDiff(Model):
    """What a rollout would change on a device: the changed keys, and those kept as they are.

    Attributes:
        changes: one `EnvRolloutChange` per added, changed or removed key.
        unchanged: the keys (and values) the rollout leaves alone.
    """

    changes: tuple[EnvRolloutChange, ...] = wire(
        convert=lambda v: tuple(EnvRolloutChange.list_from_api(v)), factory=tuple
    )
    unchanged: Mapping[str, str] = wire(convert=_strings, factory=dict)


def _diff(value: Any) -> EnvRolloutDiff | None:
    return EnvRolloutDiff.from_api(value) if isinstance(value, Mapping) else None


@attrs.frozen(kw_only=True)
class EnvRollout(Model):
    """What a rollout would change, against the last snapshot and (for a device) the device.

    Attributes:
        from_snapshot: the changes against the last rolled-out snapshot.
        from_device: the changes against what the device reports (device scope only).
    """

    from_snapshot: EnvRolloutDiff | None = wire(convert=_diff)
    from_device: EnvRolloutDiff | None = wire(convert=_diff)
