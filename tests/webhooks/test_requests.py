"""The request the fake cloud makes for a webhook: method, URL, body and headers, and a
test per family of template variables, all observed by a real HTTP server on loopback."""

from __future__ import annotations

import base64
import json

from particle_async.testing import FakeCloud, ManualClock
from particle_async.testing._state import iso_ms

from .conftest import create_hook
from .recorder import Received, Recorder


def deliver(fake: FakeCloud, target: Recorder, data: str = "21.5", **settings: object) -> Received:
    """Create a hook on "temp", publish one event from a sandbox device, and return what
    the target received."""
    device = fake.add_device(name="kitchen")
    url = str(settings.pop("url", target.url + "/hook"))
    create_hook(fake, url, **settings)
    device.publish("temp/kitchen", data)
    fake.webhooks.wait_idle_sync()
    assert len(target.requests) == 1
    return target.requests[0]


def test_default_body_is_the_documented_form(fake: FakeCloud, target: Recorder) -> None:
    device = fake.add_device(name="kitchen")
    create_hook(fake, target.url + "/hook")
    event = device.publish("temp/kitchen", "21.5 °C & more")
    fake.webhooks.wait_idle_sync()
    [got] = target.requests
    assert got.method == "POST"
    assert got.path == "/hook"
    assert got.headers["content-type"] == "application/x-www-form-urlencoded"
    assert got.headers["user-agent"] == "ParticleBot/1.1 (https://docs.particle.io/webhooks)"
    assert got.form() == [
        ("event", "temp/kitchen"),
        ("data", "21.5 °C & more"),
        ("published_at", iso_ms(event.published_at)),
        ("coreid", device.id),
    ]
    assert fake.webhooks.stats().succeeded == 1


def test_get_and_delete_carry_defaults_and_form_in_the_query(
    fake: FakeCloud, target: Recorder
) -> None:
    got = deliver(fake, target, requestType="GET", form={"room": "kitchen"})
    assert got.method == "GET"
    assert got.body == b""
    assert [k for k, _ in got.query] == ["event", "data", "published_at", "coreid", "room"]
    assert dict(got.query)["data"] == "21.5"


def test_no_defaults(fake: FakeCloud, target: Recorder) -> None:
    got = deliver(fake, target, requestType="GET", noDefaults=True, query={"q": "1"})
    assert got.query == [("q", "1")]


def test_predefined_variables(fake: FakeCloud, target: Recorder) -> None:
    names = [
        "PARTICLE_DEVICE_ID",
        "PARTICLE_EVENT_NAME",
        "PARTICLE_EVENT_VALUE",
        "PARTICLE_PUBLISHED_AT",
        "PARTICLE_EVENT_ID",
        "PRODUCT_ID",
    ]
    template = {name: f"{{{{{{{name}}}}}}}" for name in names}
    got = deliver(fake, target, json=template, noDefaults=True)
    assert got.headers["content-type"] == "application/json"
    body = json.loads(got.body)
    device = fake.device("kitchen")
    event = next(e for e in fake.published if e.name == "temp/kitchen")
    assert body["PARTICLE_DEVICE_ID"] == device.id
    assert body["PARTICLE_EVENT_NAME"] == "temp/kitchen"
    assert body["PARTICLE_EVENT_VALUE"] == "21.5"
    assert body["PARTICLE_PUBLISHED_AT"] == iso_ms(event.published_at)
    assert len(body["PARTICLE_EVENT_ID"]) == 24
    assert body["PRODUCT_ID"] == "6"  # a sandbox device reports its platform (Photon)
    assert fake.webhooks.deliveries[0].event_id == body["PARTICLE_EVENT_ID"]


def test_legacy_spark_variables(fake: FakeCloud, target: Recorder) -> None:
    template = (
        "{{{SPARK_EVENT_NAME}}}|{{{SPARK_EVENT_VALUE}}}|{{{SPARK_CORE_ID}}}|{{SPARK_PUBLISHED_AT}}"
    )
    got = deliver(fake, target, body=template)
    name, value, core, published = got.body.decode().split("|")
    assert (name, value, core) == ("temp/kitchen", "21.5", fake.device("kitchen").id)
    assert published.endswith("Z")


def test_product_variables(fake: FakeCloud, target: Recorder) -> None:
    fake.add_product(4321)
    device = fake.add_device(name="unit", product_id=4321, firmware_version=7)
    template = "{{{PRODUCT_ID}}}|{{{PRODUCT_USER_ID}}}|{{{PRODUCT_VERSION}}}"
    create_hook(fake, target.url, product=4321, body=template)
    create_hook(fake, target.url, body=template)  # the sandbox hook of the device's owner
    device.publish("temp", "1")
    fake.webhooks.wait_idle_sync()
    bodies = sorted(r.body.decode() for r in target.requests)
    assert bodies == sorted([f"4321|{fake.user.id}|7", "4321||"])


def test_whole_event_variables(fake: FakeCloud, target: Recorder) -> None:
    got = deliver(fake, target, body="{{{PARTICLE_EVENT_JSON}}}\n{{{PARTICLE_EVENT_BASE64}}}")
    whole, encoded = got.body.decode().split("\n")
    assert json.loads(base64.b64decode(encoded)) == json.loads(whole)
    envelope = json.loads(whole)
    assert envelope["event"] == "temp/kitchen"
    assert envelope["data"] == "21.5"
    assert envelope["coreid"] == fake.device("kitchen").id
    assert envelope["ttl"] == 60


def test_custom_variables_from_json_data(fake: FakeCloud, target: Recorder) -> None:
    data = json.dumps(
        {
            "a": {"aa": "testing", "ab": 1234},
            "b": "x<y & 'z'",
            "c": [{"ca": "first", "cb": 123}, {"ca": "second", "cb": 456}],
            "t": 21.0,
            "on": True,
            "off": False,
            "none": None,
        }
    )
    template = (
        "{{{a.aa}}}|{{{a.ab}}}|{{{c.0.ca}}}|{{{c.1.cb}}}|{{#c}}{{{ca}}}~{{/c}}"
        "|{{^z}}Missing{{/z}}|{{b}}|{{{b}}}|{{t}}|{{on}}|{{#off}}yes{{/off}}|{{none}}"
    )
    got = deliver(fake, target, data=data, body=template, url=target.url + "/log/{{{a.aa}}}")
    assert got.body.decode().split("|") == [
        "testing",
        "1234",
        "first",
        "456",
        "first~second~",
        "Missing",
        "x&lt;y &amp; &#x27;z&#x27;",  # double braces escape HTML, triple braces do not
        "x<y & 'z'",
        "21",  # printed as JavaScript prints the parsed number
        "true",
        "",
        "",
    ]
    assert got.path == "/log/testing"


def test_json_template_adds_the_default_fields(fake: FakeCloud, target: Recorder) -> None:
    got = deliver(fake, target, json={"value": "{{{PARTICLE_EVENT_VALUE}}}", "n": 3})
    body = json.loads(got.body)
    assert list(body) == ["event", "data", "published_at", "coreid", "value", "n"]
    assert body["value"] == "21.5"
    assert body["n"] == 3
    assert got.headers["accept"] == "application/json"


def test_json_string_template_is_json_only_once_rendered(fake: FakeCloud, target: Recorder) -> None:
    got = deliver(fake, target, data='{"t": 21.1}', json='{"temp": {{t}}}', noDefaults=True)
    assert json.loads(got.body) == {"temp": 21.1}


def test_form_template_adds_the_default_fields(fake: FakeCloud, target: Recorder) -> None:
    got = deliver(fake, target, form={"Body": "{{{PARTICLE_EVENT_VALUE}}} C", "To": "+1"})
    assert got.form()[-2:] == [("Body", "21.5 C"), ("To", "+1")]
    assert [k for k, _ in got.form()][:4] == ["event", "data", "published_at", "coreid"]


def test_custom_body_has_no_defaults_and_no_content_type(fake: FakeCloud, target: Recorder) -> None:
    got = deliver(fake, target, data='{"v": 2}', body='{ "value": {{{v}}} }')
    assert got.body == b'{ "value": 2 }'
    assert "content-type" not in got.headers


def test_headers_query_and_auth_are_rendered(fake: FakeCloud, target: Recorder) -> None:
    got = deliver(
        fake,
        target,
        data='{"key": "k1"}',
        url=target.url + "/hook?fixed=1",
        headers={"X-Sender": "{{PARTICLE_DEVICE_ID}}", "Content-Type": "text/plain"},
        query={"q": "{{{PARTICLE_EVENT_VALUE}}}", "p": "my app"},
        auth={"username": "user", "password": "{{{key}}}"},
    )
    device = fake.device("kitchen")
    assert got.headers["x-sender"] == device.id
    assert got.headers["content-type"] == "text/plain"  # a custom header wins
    assert got.query == [("fixed", "1"), ("q", '{"key": "k1"}'), ("p", "my app")]
    assert got.headers["authorization"] == "Basic " + base64.b64encode(b"user:k1").decode()


def test_settings_sent_form_encoded_still_work(
    fake: FakeCloud, target: Recorder, clock: ManualClock
) -> None:
    """The legacy CLI posts `headers`/`json` as form fields holding JSON text."""
    got = deliver(fake, target, json='{"v": "{{{PARTICLE_EVENT_VALUE}}}"}', noDefaults="true")
    assert json.loads(got.body) == {"v": "21.5"}
