"""Every status and body shape becomes the right typed error, with nothing lost."""

from __future__ import annotations

import pytest
import respx

from particle_async import (
    APIError,
    BadRequestError,
    ConflictError,
    DeviceOfflineError,
    ForbiddenError,
    NotFoundError,
    Particle,
    RateLimitedError,
    RequestTimeoutError,
    ServerError,
    UnauthorizedError,
    UnprocessableEntityError,
)

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("status", "body", "cls", "error", "description"),
    [
        (
            400,
            {"ok": False, "error": "Variable not found"},
            BadRequestError,
            "Variable not found",
            None,
        ),
        (
            401,
            {
                "error": "invalid_token",
                "error_description": "The access token provided is invalid.",
            },
            UnauthorizedError,
            "invalid_token",
            "The access token provided is invalid.",
        ),
        (
            403,
            {"ok": False, "error": "Permission Denied"},
            ForbiddenError,
            "Permission Denied",
            None,
        ),
        (404, {}, NotFoundError, None, None),
        (
            404,
            {"ok": False, "error": "Unknown Variable: sensor2"},
            NotFoundError,
            "Unknown Variable: sensor2",
            None,
        ),
        (404, {"ok": False, "error": "timed out"}, DeviceOfflineError, "timed out", None),
        (408, {"ok": False, "error": "Timed out."}, RequestTimeoutError, "Timed out.", None),
        (
            409,
            {"error": "conflict", "description": "already claimed"},
            ConflictError,
            "conflict",
            "already claimed",
        ),
        (
            422,
            {"message": "invalid", "violations": [{"path": "a"}]},
            UnprocessableEntityError,
            "invalid",
            None,
        ),
        (
            429,
            {"ok": False, "error": "Too many requests"},
            RateLimitedError,
            "Too many requests",
            None,
        ),
        (
            500,
            {"ok": False, "error": "Internal Server Error"},
            ServerError,
            "Internal Server Error",
            None,
        ),
        (
            400,
            {"errors": [{"message": "library name taken"}]},
            BadRequestError,
            "library name taken",
            None,
        ),
        (418, {"error": "teapot"}, APIError, "teapot", None),
    ],
)
async def test_status_and_body_shapes(
    cloud: Particle,
    router: respx.Router,
    status: int,
    body: dict[str, object],
    cls: type[APIError],
    error: str | None,
    description: str | None,
) -> None:
    router.get("/v1/devices/d").respond(status, json=body)
    with pytest.raises(cls) as caught:
        await cloud.devices.get("d")
    exc = caught.value
    assert type(exc) is cls
    assert exc.status == status
    assert exc.error == error
    assert exc.error_description == description
    assert exc.body == body
    assert exc.method == "GET"
    assert exc.url == "https://api.particle.test/v1/devices/d"
    assert str(exc).startswith(f"{status} ")
    assert "GET https://api.particle.test/v1/devices/d" in str(exc)


async def test_info_field_is_kept(cloud: Particle, router: respx.Router) -> None:
    router.get("/v1/devices/d").respond(400, json={"ok": False, "error": "bad", "info": "see docs"})
    with pytest.raises(BadRequestError) as caught:
        await cloud.devices.get("d")
    assert caught.value.info == "see docs"
    assert "see docs" in str(caught.value)


async def test_violations_of_422(cloud: Particle, router: respx.Router) -> None:
    router.get("/v1/devices/d").respond(422, json={"message": "bad", "violations": [{"p": 1}]})
    with pytest.raises(UnprocessableEntityError) as caught:
        await cloud.devices.get("d")
    assert caught.value.violations == [{"p": 1}]


async def test_html_proxy_page_gives_a_clear_error(cloud: Particle, router: respx.Router) -> None:
    router.get("/v1/devices/d").respond(
        502, text="<html><body>Bad   Gateway</body></html>", headers={"content-type": "text/html"}
    )
    with pytest.raises(ServerError) as caught:
        await cloud.devices.get("d")
    assert caught.value.status == 502
    assert "non-JSON body" in str(caught.value)
    assert "<html><body>Bad Gateway</body></html>" in str(caught.value)


async def test_empty_error_body(cloud: Particle, router: respx.Router) -> None:
    router.get("/v1/devices/d").respond(404)
    with pytest.raises(NotFoundError, match="Not Found"):
        await cloud.devices.get("d")
