"""attrs models of the Particle Cloud API, one module per area."""

from ._base import Model, parse_datetime
from .auth import AccessToken, TokenGrant
from .devices import ClaimResult, Device, FunctionResult, PingResult, VariableValue
from .events import Event
from .user import User

__all__ = [
    "AccessToken",
    "ClaimResult",
    "Device",
    "Event",
    "FunctionResult",
    "Model",
    "PingResult",
    "TokenGrant",
    "User",
    "VariableValue",
    "parse_datetime",
]
