"""Particle platform ids as the names people know (the `platform_id` of a device).

Ids from Device OS's platform list (`build/platform-id.mk`) and the build targets the
cloud reports; the fake cloud's catalog (`testing/routes/build_device_os.py`) uses the same.
Photon 2 reports the P2 platform (32) and Muon the M SoM (35): a platform is the module,
not the board around it.
"""

from __future__ import annotations

__all__ = ["PLATFORMS", "platform_name"]

PLATFORMS: dict[int, str] = {
    0: "Core",
    6: "Photon",
    8: "P1",
    10: "Electron",
    12: "Argon",
    13: "Boron",
    14: "Xenon",
    22: "A SoM",
    23: "B SoM",
    24: "X SoM",
    25: "B5 SoM",
    26: "Tracker",
    28: "Tracker M",
    31: "Raspberry Pi",
    32: "P2",
    35: "M SoM",
    37: "Electron 2",
}


def platform_name(platform_id: int | None) -> str:
    """ "Boron" for 13; "platform 99" for an id we do not know; "-" when there is none."""
    if platform_id is None:
        return "-"
    return PLATFORMS.get(platform_id, f"platform {platform_id}")
