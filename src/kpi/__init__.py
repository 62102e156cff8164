"""kpi: indicator engine for Japan's research-globalisation (brain circulation) KPIs."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("kpi")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+source"
