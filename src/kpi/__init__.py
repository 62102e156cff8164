"""kpi: indicator engine for Japan's research-globalisation (brain circulation) KPIs."""

import warnings
from importlib.metadata import PackageNotFoundError, version

# pandera and great-expectations import pyspark whenever it is installed (the `spark` extra);
# under pandas 3 that import warns, on every command, about a library kpi never uses
warnings.filterwarnings("ignore", category=FutureWarning, module=r"pyspark\.")

try:
    __version__ = version("kpi")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+source"
