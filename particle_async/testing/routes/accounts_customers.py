"""A product's customers: accounts (`FakeUser`) tied to one product, created with the
product's OAuth client (two-legged, password optional) or a team member's token, and the
customer-scoped token grant (`client_credentials` with `scope=customer=<email>`), a grant
hook on `/oauth/token`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._shared import resolve_product
from .._state import (
    DEFAULT_TOKEN_LIFETIME,
    CloudState,
    FakeProduct,
    FakeUser,
    OAuthClient,
    TokenRecord,
)
from .._wire import (
    Ctx,
    api,
    as_bool,
    as_int,
    authenticate,
    basic_credentials,
    fail,
    json_response,
    oauth_fail,
    permission_denied,
    read_params,
    services_of,
)
from . import auth
from .accounts_user import remove_account

CUSTOMERS_PER_PAGE = 25


@dataclass
class CustomersArea:
    customers: dict[int, list[FakeUser]] = field(default_factory=dict)  # by product ID


def area(state: CloudState) -> CustomersArea:
    return state.area(CustomersArea)


def _granted(record: TokenRecord, lifetime: int, status: int = 200) -> Response:
    body = {
        "token_type": "bearer",
        "access_token": record.token,
        "expires_in": lifetime,
        "refresh_token": record.refresh_token,
    }
    return json_response(body, status)


def find_customer(state: CloudState, product: FakeProduct, email: str) -> FakeUser | None:
    """A live customer of `product` by e-mail (an account deleted since is gone)."""
    with state.lock:
        user = state.users.get(email)
        return (
            user if user is not None and user in area(state).customers.get(product.id, []) else None
        )


def _product_client(
    request: Request, params: dict[str, Any], state: CloudState
) -> OAuthClient | None:
    """The OAuth client a two-legged call authenticates with (Basic or form fields), or
    None when the caller uses an access token instead."""
    credentials = basic_credentials(request)
    if credentials is None and "client_id" in params:
        credentials = (str(params["client_id"]), str(params.get("client_secret", "")))
    if credentials is None:
        return None
    client = state.clients.get(credentials[0])
    if client is None or not secrets.compare_digest(
        client.secret.encode(), credentials[1].encode()
    ):
        raise oauth_fail(401, "invalid_client", "Client authentication failed")
    return client


async def create_customer(request: Request) -> Response:
    """`POST /v1/products/:product/customers`: with the product's OAuth client
    (two-legged, `no_password` allowed) or a team member's access token (password
    required). Answers 201 with the new customer's token."""
    state = services_of(request).state
    params, _ = await read_params(request)
    key = str(request.path_params["product"])
    client = _product_client(request, params, state)
    if client is None:
        ctx = await authenticate(request)
        product = resolve_product(ctx, key)
    else:
        found = state.find_product(key)
        if found is None:
            raise fail(404, "Product not found.")
        if client.product_id != found.id:
            raise permission_denied()
        product = found
    email, password = str(params.get("email", "")).strip(), params.get("password")
    shadow = client is not None and as_bool(params.get("no_password", False))
    if not email:
        raise fail(400, "email is required")
    if not password and not shadow:
        raise fail(400, "password is required")
    with state.lock:
        if email in state.users:
            raise fail(400, "Customer already exists")
        user = state.add_user(email, str(password) if password else secrets.token_hex(20))
        state.revoke([user.token])
        area(state).customers.setdefault(product.id, []).append(user)
    record = state.issue_token(user, client=client.id if client else "particle")
    return _granted(record, DEFAULT_TOKEN_LIFETIME, status=201)


def _customer_view(state: CloudState, user: FakeUser, product: FakeProduct) -> dict[str, Any]:
    owned = [
        d.id
        for d in state.devices.values()
        if d.owner == user.username and d.product_id == product.id
    ]
    return {"id": user.id, "username": user.username, "devices": owned}


async def list_customers(ctx: Ctx) -> Response:
    """`{customers, devices, meta: {total_pages}}`, 25 a page unless asked otherwise."""
    product = resolve_product(ctx, ctx.path("product"))
    page = as_int(ctx.query("page") or 1, "page", minimum=1)
    per_page = as_int(ctx.query("per_page", "perPage") or CUSTOMERS_PER_PAGE, "per_page", minimum=1)
    with ctx.state.lock:
        live = [
            u
            for u in area(ctx.state).customers.get(product.id, [])
            if ctx.state.users.get(u.username) is u
        ]
        chosen = live[(page - 1) * per_page : page * per_page]
        views = [_customer_view(ctx.state, u, product) for u in chosen]
        theirs = {i for v in views for i in v["devices"]}
        owned = [ctx.state.devices[i] for i in sorted(theirs)]
    summaries = [
        {
            "id": d.id,
            "product_id": d.product_id,
            "last_ip_address": d.last_ip_address,
            "firmware_version": d.firmware_version,
            "online": d.online,
        }
        for d in owned
    ]
    total_pages = max(1, -(-len(live) // per_page))
    return json_response(
        {"customers": views, "devices": summaries, "meta": {"total_pages": total_pages}}
    )


def _resolve_customer(ctx: Ctx) -> tuple[FakeProduct, FakeUser]:
    product = resolve_product(ctx, ctx.path("product"))
    customer = find_customer(ctx.state, product, ctx.path("customerEmail"))
    if customer is None:
        raise fail(404, "Customer not found.")
    return product, customer


async def set_customer_password(ctx: Ctx) -> Response:
    """Needs a product team token (a customer's own token is not on the team: 403)."""
    _, customer = _resolve_customer(ctx)
    password = str(ctx.param("password", default=""))
    if not password:
        raise fail(400, "password is required")
    with ctx.state.lock:
        customer.password = password
    return json_response({"ok": True})


async def delete_customer(ctx: Ctx) -> Response:
    """The customer's tokens are revoked with the account."""
    product, customer = _resolve_customer(ctx)
    with ctx.state.lock:
        area(ctx.state).customers[product.id].remove(customer)
        remove_account(ctx.state, customer)
    return json_response({"ok": True})


# -- customer-scoped tokens: a grant hook on /oauth/token --------------------------------------


async def customer_token_grant(
    request: Request, form: dict[str, str], state: CloudState, client: OAuthClient
) -> Response | None:
    """`grant_type=client_credentials` with `scope=customer=<email>`: a token for one
    customer of the client's product."""
    scope = form.get("scope", "")
    if form.get("grant_type") != "client_credentials" or not scope.startswith("customer="):
        return None
    product = state.products.get(client.product_id) if client.product_id is not None else None
    if product is None:
        raise oauth_fail(400, "unauthorized_client", "Customer tokens need a product OAuth client")
    customer = find_customer(state, product, scope.removeprefix("customer="))
    if customer is None:
        raise oauth_fail(400, "invalid_grant", "Customer not found")
    lifetime = auth.lifetime(form, state)
    return _granted(state.issue_token(customer, client=client.id, expires_in=lifetime), lifetime)


auth.GRANT_HOOKS["customer-scope"] = customer_token_grant

CUSTOMERS = "/v1/products/{product}/customers"

routes: list[Route] = [
    Route(CUSTOMERS, create_customer, methods=["POST"]),
    api(CUSTOMERS, list_customers, "GET"),
    api(CUSTOMERS + "/{customerEmail}", set_customer_password, "PUT"),
    api(CUSTOMERS + "/{customerEmail}", delete_customer, "DELETE"),
]
