"""The YAML every definition file is read with: PyYAML, resolving plain scalars as YAML 1.2 does.

PyYAML implements YAML 1.1, where an unquoted `NO` (Norway), `yes`, `on` or `off` is a boolean,
`1:30` the sexagesimal number 90 and `010` the octal 8: `isin: [NO, SE]` would silently allow
False. `Loader` resolves plain scalars by the YAML 1.2 core schema instead (only true/false are
booleans; ints are decimal, 0o octal or 0x hex; null is null, ~ or empty), keeping PyYAML's
ISO dates and `<<` merge keys, and reports an impossible date (2024-02-30) as a YAML error at
its line rather than a bare ValueError.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import yaml

_CORE_SCHEMA = [  # (tag, pattern, possible first characters), from the YAML 1.2.2 spec, 10.3.2
    (
        "tag:yaml.org,2002:bool",
        r"^(?:true|True|TRUE|false|False|FALSE)$",
        "tTfF",
    ),
    (
        "tag:yaml.org,2002:int",
        r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$",
        "-+0123456789",
    ),
    (
        "tag:yaml.org,2002:float",
        r"""^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?
             |[-+]?\.(?:inf|Inf|INF)
             |\.(?:nan|NaN|NAN))$""",
        "-+0123456789.",
    ),
    (
        "tag:yaml.org,2002:null",
        r"^(?:null|Null|NULL|~|)$",
        ["n", "N", "~", ""],
    ),
]
# PyYAML's own, whose values YAML 1.2 also leaves as they are written (a date, a merge)
_KEPT_FROM_PYYAML = ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:merge")


class Loader(yaml.SafeLoader):
    """A SafeLoader whose implicit types are the YAML 1.2 core schema's (plus dates and merges)."""

    # a table of its own: add_implicit_resolver would otherwise start from SafeLoader's 1.1 one
    yaml_implicit_resolvers: ClassVar[dict[str | None, list[tuple[str, re.Pattern]]]] = {}

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        # SafeLoader's reads any int with a leading 0 as octal (010 == 8); in 1.2, 010 == 10
        text = self.construct_scalar(node)
        base = {"0o": 8, "0x": 16}.get(text[:2], 10)
        try:
            return int(text[2:] if base != 10 else text, base)
        except ValueError as exc:  # only a value tagged !!int can fail
            raise yaml.constructor.ConstructorError(
                None, None, f"invalid integer {text!r}", node.start_mark
            ) from exc

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"invalid date {node.value!r} ({exc})", node.start_mark
            ) from exc


for _tag, _pattern, _first in _CORE_SCHEMA:
    Loader.add_implicit_resolver(_tag, re.compile(_pattern, re.X), list(_first))
for _first, _resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items():
    for _tag, _regexp in _resolvers:
        if _tag in _KEPT_FROM_PYYAML:
            Loader.add_implicit_resolver(_tag, _regexp, [_first])
Loader.add_constructor("tag:yaml.org,2002:int", Loader.construct_yaml_int)
Loader.add_constructor("tag:yaml.org,2002:timestamp", Loader.construct_yaml_timestamp)


def load(text: str) -> Any:
    """The document in `text`, read with `Loader` (a SafeLoader: no arbitrary objects)."""
    return yaml.load(text, Loader=Loader)
