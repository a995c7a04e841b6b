"""attrs models of the Particle Cloud API, one module per area; every name re-exported here."""

from ._base import Model, parse_datetime
from .auth import AccessToken, CurrentToken, MfaConfirmation, MfaEnrollment, TokenGrant
from .configuration import ConfigurationUpdate, DeviceConfiguration, ProductConfiguration
from .customers import Customer
from .device_groups import DeviceGroup, GroupImpact
from .devices import (
    ClaimCode,
    ClaimResult,
    Device,
    DeviceUpdate,
    FunctionResult,
    PingResult,
    SearchResults,
    SerialNumberInfo,
    UnprotectResult,
    VariableValue,
)
from .diagnostics import DiagnosticsRecord, DiagnosticsRefresh
from .env_vars import (
    EnvRollout,
    EnvRolloutChange,
    EnvRolloutDiff,
    EnvVarsLayer,
    EnvVarsOnDevice,
    EnvVarsState,
    InheritedEnvVar,
    RenderedEnvVars,
)
from .events import Event
from .firmware import (
    BuildTarget,
    BuildTargets,
    CompileResult,
    DeviceOsVersion,
    FirmwareRelease,
    FlashResult,
    ProductFirmwareVersion,
)
from .integrations import Integration, IntegrationTestResult, Webhook
from .ledger import LedgerDefinition, LedgerInstance, LedgerScope
from .libraries import Library
from .location import DeviceLocation
from .logic import (
    LogicCounts,
    LogicDailyStats,
    LogicExecution,
    LogicFunction,
    LogicLogEntry,
    LogicRun,
    LogicStats,
    LogicTrigger,
)
from .oauth_clients import OAuthClient
from .organizations import Organization, OrganizationProduct
from .products import DevicePage, FleetMetrics, ImportResult, Product, ProductCustomer
from .secrets import CloudSecret
from .sims import FleetDataUsage, Sim, SimDataUsage, SimRelease, SimStatus, UsageDay
from .team import TeamMember
from .usage import ServiceAgreement, UsageNotification, UsageReport
from .user import TrackingIdentity, User

__all__ = [
    "AccessToken",
    "BuildTarget",
    "BuildTargets",
    "ClaimCode",
    "ClaimResult",
    "CloudSecret",
    "CompileResult",
    "ConfigurationUpdate",
    "CurrentToken",
    "Customer",
    "Device",
    "DeviceConfiguration",
    "DeviceGroup",
    "DeviceLocation",
    "DeviceOsVersion",
    "DevicePage",
    "DeviceUpdate",
    "DiagnosticsRecord",
    "DiagnosticsRefresh",
    "EnvRollout",
    "EnvRolloutChange",
    "EnvRolloutDiff",
    "EnvVarsLayer",
    "EnvVarsOnDevice",
    "EnvVarsState",
    "Event",
    "FirmwareRelease",
    "FlashResult",
    "FleetDataUsage",
    "FleetMetrics",
    "FunctionResult",
    "GroupImpact",
    "ImportResult",
    "InheritedEnvVar",
    "Integration",
    "IntegrationTestResult",
    "LedgerDefinition",
    "LedgerInstance",
    "LedgerScope",
    "Library",
    "LogicCounts",
    "LogicDailyStats",
    "LogicExecution",
    "LogicFunction",
    "LogicLogEntry",
    "LogicRun",
    "LogicStats",
    "LogicTrigger",
    "MfaConfirmation",
    "MfaEnrollment",
    "Model",
    "OAuthClient",
    "Organization",
    "OrganizationProduct",
    "PingResult",
    "Product",
    "ProductConfiguration",
    "ProductCustomer",
    "ProductFirmwareVersion",
    "RenderedEnvVars",
    "SearchResults",
    "SerialNumberInfo",
    "ServiceAgreement",
    "Sim",
    "SimDataUsage",
    "SimRelease",
    "SimStatus",
    "TeamMember",
    "TokenGrant",
    "TrackingIdentity",
    "UnprotectResult",
    "UsageDay",
    "UsageNotification",
    "UsageReport",
    "User",
    "VariableValue",
    "Webhook",
    "parse_datetime",
]
