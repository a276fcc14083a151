"""The studio: a local web page that shows an emulated world as Discord would, and lets a person act in it.

studio = Studio(emulator, [Viewer(user, {"ja": "リスナー", "en": "listener"})])
print(await studio.start())   # http://127.0.0.1:8765/ (loopback only unless allow_remote)
"""

from __future__ import annotations

from .server import DEFAULT_PORT, Control, ControlField, RemoteBindRefused, Studio, Viewer, check_bind

__all__ = ["DEFAULT_PORT", "Control", "ControlField", "RemoteBindRefused", "Studio", "Viewer", "check_bind"]
