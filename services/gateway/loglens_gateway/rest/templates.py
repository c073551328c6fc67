"""URL path templates of ``google.api.http`` rules: parsing and matching.

The grammar is the one in ``google/api/http.proto``::

    Template = "/" Segments [ Verb ] ;
    Segments = Segment { "/" Segment } ;
    Segment  = "*" | "**" | LITERAL | Variable ;
    Variable = "{" FieldPath [ "=" Segments ] "}" ;
    Verb     = ":" LITERAL ;

Matching works on the raw (still percent-encoded) path so that an encoded ``/`` inside a single-segment
variable stays inside it. A single-segment variable is fully decoded; a multi-segment one keeps ``%2F``
encoded, as the spec's reserved expansion requires.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
_LITERAL = re.compile(r"[A-Za-z0-9\-._~%!$&'()+,;=@]+")


class TemplateError(ValueError):
    pass


@dataclass(frozen=True)
class Variable:
    field_path: str
    start: int  # index of its first pattern segment
    end: int  # one past its last pattern segment


@dataclass(frozen=True)
class PathTemplate:
    source: str
    segments: tuple[str, ...]  # a literal, "*" or "**"
    variables: tuple[Variable, ...]
    verb: str

    @classmethod
    def parse(cls, template: str) -> PathTemplate:
        if not template.startswith("/"):
            raise TemplateError(f"{template!r}: a template starts with '/'")
        body, verb = template[1:], ""
        last_colon = body.rfind(":")
        if last_colon > body.rfind("}") and last_colon > body.rfind("/"):
            body, verb = body[:last_colon], body[last_colon + 1 :]
            if not _LITERAL.fullmatch(verb):
                raise TemplateError(f"{template!r}: bad verb {verb!r}")
        segments: list[str] = []
        variables: list[Variable] = []
        for token in _split_top_level(body, template):
            if token.startswith("{"):
                if not token.endswith("}"):
                    raise TemplateError(f"{template!r}: bad variable {token!r}")
                inner = token[1:-1]
                field_path, _, pattern = inner.partition("=")
                if not _IDENT.fullmatch(field_path):
                    raise TemplateError(f"{template!r}: bad field path {field_path!r}")
                sub = pattern.split("/") if pattern else ["*"]
                start = len(segments)
                for part in sub:
                    _check_segment(part, template, in_variable=True)
                    segments.append(part)
                variables.append(Variable(field_path, start, len(segments)))
            else:
                _check_segment(token, template, in_variable=False)
                segments.append(token)
        if "**" in segments[:-1]:
            raise TemplateError(f"{template!r}: '**' may only be the last segment")
        return cls(template, tuple(segments), tuple(variables), verb)

    @property
    def field_paths(self) -> tuple[str, ...]:
        return tuple(v.field_path for v in self.variables)

    @property
    def literal_count(self) -> int:
        return sum(1 for s in self.segments if s not in ("*", "**"))

    def match(self, raw_path: str) -> dict[str, str] | None:
        """The variables' values if ``raw_path`` (percent-encoded, with a leading '/') matches, else None."""
        if not raw_path.startswith("/"):
            return None
        path = raw_path[1:]
        if self.verb:
            suffix = ":" + self.verb
            if not path.endswith(suffix):
                return None
            path = path[: -len(suffix)]
        parts = path.split("/")
        if not self.segments or self.segments[-1] != "**":
            if len(parts) != len(self.segments):
                return None
        elif len(parts) < len(self.segments) - 1:
            return None
        for index, pattern in enumerate(self.segments):
            if pattern == "**":
                break
            part = parts[index]
            if pattern == "*":
                if not part:
                    return None
            elif unquote(part) != pattern:
                return None
        values: dict[str, str] = {}
        for variable in self.variables:
            end = len(parts) if self.segments[variable.end - 1] == "**" else variable.end
            span = parts[variable.start : end]
            if len(span) == 1 and variable.end - variable.start == 1 and self.segments[variable.start] == "*":
                values[variable.field_path] = unquote(span[0])
            else:
                values[variable.field_path] = "/".join(_unquote_keep_slash(p) for p in span)
        return values

    def openapi_path(self) -> str:
        """The template as an OpenAPI path: each variable becomes one ``{field.path}`` parameter."""
        out: list[str] = []
        index = 0
        by_start = {v.start: v for v in self.variables}
        while index < len(self.segments):
            variable = by_start.get(index)
            if variable is not None:
                out.append("{" + variable.field_path + "}")
                index = variable.end
            else:
                out.append(self.segments[index])
                index += 1
        return "/" + "/".join(out) + (":" + self.verb if self.verb else "")

    def variable_pattern(self, variable: Variable) -> str:
        """A regular expression the value of ``variable`` must match (for OpenAPI parameter schemas)."""
        pieces = []
        for segment in self.segments[variable.start : variable.end]:
            if segment == "*":
                pieces.append("[^/]+")
            elif segment == "**":
                pieces.append(".*")
            else:
                pieces.append(re.escape(segment))
        return "^" + "/".join(pieces) + "$"


def _split_top_level(body: str, template: str) -> list[str]:
    tokens: list[str] = []
    depth = 0
    current = ""
    for char in body:
        if char == "{":
            if depth:
                raise TemplateError(f"{template!r}: nested variables")
            depth = 1
        elif char == "}":
            if not depth:
                raise TemplateError(f"{template!r}: unbalanced '}}'")
            depth = 0
        if char == "/" and not depth:
            tokens.append(current)
            current = ""
        else:
            current += char
    if depth:
        raise TemplateError(f"{template!r}: unbalanced '{{'")
    tokens.append(current)
    return tokens


def _check_segment(segment: str, template: str, *, in_variable: bool) -> None:
    if segment in ("*", "**"):
        return
    if segment.startswith("{"):
        if in_variable:
            raise TemplateError(f"{template!r}: nested variables")
        raise TemplateError(f"{template!r}: bad variable {segment!r}")
    if not _LITERAL.fullmatch(segment):
        raise TemplateError(f"{template!r}: bad segment {segment!r}")


def _unquote_keep_slash(part: str) -> str:
    return "%2F".join(unquote(piece) for piece in re.split("%2[fF]", part))
