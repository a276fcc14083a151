"""The installed version of zundabot (kept out of ``bot/__init__``: importlib.metadata is slow to import)."""

from importlib.metadata import PackageNotFoundError, version

try:
    VERSION = version("zundabot")
except PackageNotFoundError:  # running from a checkout that is not installed
    VERSION = "0.0.0+local"
