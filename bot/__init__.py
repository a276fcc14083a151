"""zundabot: a Discord bot for a podcast's listener community."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("zundabot")
except PackageNotFoundError:  # running from a checkout that is not installed
    __version__ = "0.0.0+local"
