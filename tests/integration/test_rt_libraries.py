"""Round trips through the SDK against the fake cloud: firmware libraries (JSON:API, real
`.tar.gz` contributions from `tmp_path`, page/limit paging)."""

from __future__ import annotations

import io
import pathlib
import tarfile
from collections.abc import Iterator

import pytest

from particle_async import BadRequestError, ForbiddenError, NotFoundError
from particle_async.testing import FakeCloud

from ..helpers import sdk
from .worlds import libraries_integrations
from .worlds.libraries_integrations import stranger

pytestmark = pytest.mark.anyio


@pytest.fixture
def fake() -> Iterator[FakeCloud]:
    with libraries_integrations.cloud() as cloud:
        yield cloud


BUILTIN = ["InternetButton", "neopixel", "OneWire"]  # the fake's official libraries


def library_archive(tmp_path: pathlib.Path, name: str, version: str, **extra: str) -> pathlib.Path:
    """A real library `.tar.gz`: `library.properties` and a header, one folder down."""
    properties = {"name": name, "version": version, "author": "Me", "license": "MIT", **extra}
    files = {
        f"{name}/library.properties": "".join(f"{k}={v}\n" for k, v in properties.items()),
        f"{name}/src/{name}.h": "#pragma once\n",
    }
    path = tmp_path / f"{name}-{version}.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for member, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


async def test_contribute_publish_and_versions(fake: FakeCloud, tmp_path: pathlib.Path) -> None:
    first = library_archive(tmp_path, "mylib", "1.0.0", sentence="Does things", category="Sensors")
    sent: list[tuple[int, int]] = []
    async with sdk(fake) as cloud, stranger(fake) as other:
        lib = await cloud.libraries.contribute(first, progress=lambda s, t: sent.append((s, t)))
        assert sent[-1][0] == sent[-1][1] > first.stat().st_size
        assert (lib.id, lib.name, lib.version, lib.visibility) == (
            "mylib",
            "mylib",
            "1.0.0",
            "private",
        )
        assert (lib.mine, lib.sentence, lib.category, lib.author) == (
            True,
            "Does things",
            "Sensors",
            "Me",
        )
        assert (await cloud.libraries.get("MyLib")).version == "1.0.0"  # names ignore case
        with pytest.raises(NotFoundError):
            await other.libraries.get("mylib")  # private: invisible to others
        assert (await cloud.libraries.contribute(first)).version == "1.0.0"  # a private redo

        published = await cloud.libraries.publish("mylib")
        assert published.is_public
        assert published.version == "1.0.0"
        assert (await other.libraries.get("mylib")).mine is False
        with pytest.raises(BadRequestError, match=r"greater than 1\.0\.0"):
            await cloud.libraries.contribute(first)
        for version in ("1.1.0", "1.2.0"):
            await cloud.libraries.contribute(library_archive(tmp_path, "mylib", version))

        versions = await cloud.libraries.iter_versions("mylib", limit=2).collect()
        assert [v.version for v in versions] == ["1.0.0", "1.1.0", "1.2.0"]
        assert [v.version for v in await other.libraries.iter_versions("mylib").collect()] == [
            "1.0.0"
        ]
        assert (await cloud.libraries.get("mylib")).version == "1.2.0"
        assert (await cloud.libraries.get("mylib", version="1.1.0")).visibility == "private"
        assert (await cloud.libraries.get("mylib", scope="public")).version == "1.0.0"
        latest = await cloud.libraries.get("mylib")
        archive = await cloud.files.download(latest.download_url or "")
        assert archive == (tmp_path / "mylib-1.2.0.tar.gz").read_bytes()

        assert (await cloud.libraries.publish("mylib")).version == "1.2.0"
        with pytest.raises(BadRequestError, match="no private version"):
            await cloud.libraries.publish("mylib")
        with pytest.raises(ForbiddenError):
            await other.libraries.contribute(library_archive(tmp_path, "mylib", "9.0.0"))
        with pytest.raises(ForbiddenError):
            await other.libraries.delete("mylib")
        with pytest.raises(BadRequestError, match="needs force"):
            await cloud.libraries.delete("mylib")
        assert await cloud.libraries.delete("mylib", force="yes")
        with pytest.raises(NotFoundError):
            await cloud.libraries.get("mylib")


async def test_library_search_and_paging(fake: FakeCloud, tmp_path: pathlib.Path) -> None:
    async with sdk(fake) as cloud:
        for i, name in enumerate(["lib-a", "lib-b", "lib-c", "lib-d", "lib-e"]):
            extra = {"architectures": "argon,boron"}
            if i % 2 == 0:
                extra = {"architectures": "photon", "category": "Sensors"}
            await cloud.libraries.contribute(library_archive(tmp_path, name, "0.1.0", **extra))
        await cloud.libraries.publish("lib-e")

        private = await cloud.libraries.iter(scope="private", limit=2).collect()
        assert [lib.name for lib in private] == ["lib-a", "lib-b", "lib-c", "lib-d"]
        every = await cloud.libraries.iter(limit=3).collect()
        assert [lib.name for lib in every] == sorted(
            [*BUILTIN, "lib-a", "lib-b", "lib-c", "lib-d", "lib-e"], key=str.lower
        )
        page = await cloud.libraries.list(page=2, limit=4)
        assert [lib.name for lib in page.items] == ["lib-d", "lib-e", "neopixel", "OneWire"]
        assert [lib.name for lib in await cloud.libraries.iter(scope="mine").collect()] == ["lib-e"]
        official = await cloud.libraries.iter(scope="official").collect()
        assert sorted(lib.name for lib in official) == sorted(BUILTIN)
        assert all(lib.official and lib.verified for lib in official)
        assert (await cloud.libraries.list(filter="NEO")).items[0].name == "neopixel"
        popular = await cloud.libraries.list(sort="-installs", limit=1)
        assert popular.items[0].name == "neopixel"
        mine = await cloud.libraries.iter(exclude_scopes=["official"]).collect()
        assert {lib.name for lib in mine} == {"lib-a", "lib-b", "lib-c", "lib-d", "lib-e"}
        boards = await cloud.libraries.iter(scope="private", architectures=["boron"]).collect()
        assert [lib.name for lib in boards] == ["lib-b", "lib-d"]
        sensors = await cloud.libraries.iter(scope="private", category="Sensors").collect()
        assert [lib.name for lib in sensors] == ["lib-a", "lib-c"]
        with pytest.raises(BadRequestError, match="Unknown scope"):
            await cloud.libraries.list(scope="everything")
    async with stranger(fake) as other:
        assert "lib-a" not in [lib.name for lib in await other.libraries.iter().collect()]


async def test_bad_contributions(fake: FakeCloud, tmp_path: pathlib.Path) -> None:
    empty = tmp_path / "empty.tar.gz"
    with tarfile.open(empty, "w:gz") as tar:
        info = tarfile.TarInfo("README.md")
        tar.addfile(info, io.BytesIO(b""))
    async with sdk(fake) as cloud:
        with pytest.raises(BadRequestError, match=r"not a valid tar\.gz"):
            await cloud.libraries.contribute(b"plain text, not an archive")
        with pytest.raises(BadRequestError, match=r"library\.properties is missing"):
            await cloud.libraries.contribute(empty)
        with pytest.raises(BadRequestError, match="version is not valid"):
            await cloud.libraries.contribute(library_archive(tmp_path, "odd", "one"))
        with pytest.raises(NotFoundError):
            await cloud.libraries.iter_versions("no-such-lib").collect()
