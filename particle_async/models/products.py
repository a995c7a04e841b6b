"""Models of the products API: a product, the customers and import results that come with
its devices, a page of product devices, and fleet-health metrics."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from .._paging import Page
from ._base import Model, as_bool, as_int, as_str, as_tuple, wire
from .devices import Device

__all__ = ["DevicePage", "FleetMetrics", "ImportResult", "Product", "ProductCustomer"]


def _mapping(value: Any) -> Mapping[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in as_tuple(value))


@attrs.frozen(kw_only=True)
class Product(Model):
    """A product (`GET /v1/products/:product`): its id, slug and platform.

    Attributes:
        id: the product's numeric id.
        product_id: the same id, under the key some answers use.
        name: its name.
        slug: its slug, usable wherever a product id is.
        description: free-form description.
        platform_id: the platform of its devices.
        user: the owning user, for a personal product.
        org: the owning organization, for an org product.
        organization_id: the owning organization's id.
        subscription_id: the billing subscription.
        requires_activation_codes: devices need an activation code to be claimed.
        device_protection: the device-protection setting (`active`, `disabled`, ...).
        groups: the names of its device groups.
        settings: product settings as the API sends them.
    """

    id: int | None = wire(convert=as_int)
    product_id: int | None = wire(convert=as_int)
    name: str | None = wire(convert=as_str)
    slug: str | None = wire(convert=as_str)
    description: str | None = wire(convert=as_str)
    platform_id: int | None = wire(convert=as_int)
    user: str | None = wire(convert=as_str)
    org: str | None = wire(convert=as_str)
    organization_id: str | None = wire(convert=as_str)
    subscription_id: int | None = wire(convert=as_int)
    requires_activation_codes: bool = wire(convert=as_bool, default=False)
    device_protection: str | None = wire(convert=as_str)
    groups: tuple[str, ...] = wire(convert=_strings, factory=tuple)
    settings: Mapping[str, Any] = wire(convert=_mapping, factory=dict)

    @property
    def quarantine(self) -> bool:
        """Whether unknown devices that connect are quarantined (`settings.quarantine`)."""
        return as_bool(self.settings.get("quarantine"))


@attrs.frozen(kw_only=True)
class ProductCustomer(Model):
    """A customer listed next to product devices: who owns which device IDs.

    Attributes:
        id: the customer's id.
        username: the customer's e-mail address.
        full_name: the name, when one was given.
        activation_code: the activation code the customer used, if any.
        devices: ids of the devices the customer owns.
    """

    id: str | None = wire(convert=as_str)
    username: str | None = wire(convert=as_str)
    full_name: str | None = wire(convert=as_str)
    activation_code: str | None = wire(convert=as_str, repr=False)
    devices: tuple[str, ...] = wire(convert=_strings, factory=tuple)


@attrs.frozen(kw_only=True)
class ImportResult(Model):
    """`POST /v1/products/:product/devices`: how many devices were added, and which were not.

    Approving a quarantined device uses the same call; its answer may be empty.

    Attributes:
        ok: the import was accepted.
        updated: how many devices were added or changed.
        nonmember_device_ids: ids not added because they are not in the product (wire
            `nonmemberDeviceIds`).
        invalid_device_ids: ids that are not device ids at all (wire `invalidDeviceIds`).
    """

    ok: bool = wire(convert=as_bool, default=True)
    updated: int | None = wire(convert=as_int)
    nonmember_device_ids: tuple[str, ...] = wire(
        "nonmemberDeviceIds", convert=_strings, factory=tuple
    )
    invalid_device_ids: tuple[str, ...] = wire("invalidDeviceIds", convert=_strings, factory=tuple)


@attrs.frozen(kw_only=True)
class FleetMetrics(Model):
    """A fleet-health series (`GET /v1/products/:product/metrics/<metric>`).

    `metric` names the series asked for (online, events, integration, functions,
    variables); the buckets themselves are in `raw` as the API sent them (zero counts are
    omitted by the API).

    Attributes:
        metric: which series this is: online, events, integration, functions or variables.
    """

    metric: str = wire(convert=str, default="")


@attrs.frozen(kw_only=True)
class DevicePage(Page[Device]):
    """A page of product devices, with the customers that own them.

    Attributes:
        items: the devices on this page.
        page: this page's number (from 1).
        per_page: the page size asked for.
        total_pages: how many pages there are, when the API says.
        total: how many devices match in all, when the API says.
        has_more: a page follows, when the API says so directly.
        customers: the customers owning devices on this page.
    """

    customers: list[ProductCustomer] = attrs.field(factory=list)
