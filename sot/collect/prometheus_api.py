"""A small client of the Prometheus HTTP API (``/api/v1/query``, ``/api/v1/query_range``).

Standard library only (urllib, ssl, json): sot reads from the Prometheus a fleet already runs
instead of shipping an agent, and a client library would be a dependency for two endpoints.

Everything the server sends is untrusted: label values are sanitized here, once, as they become
records, so no later reader (a panel, an error line, the log) can forget to. A bearer token is
passed in as a value (the caller reads it from ``SOT_PROMETHEUS_TOKEN`` or a file, never argv)
and never appears in an error message; neither do credentials written into the URL.
"""

from __future__ import annotations

import base64
import json
import math
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sot.safe_files import FileRefused, read_regular_file
from sot.safe_text import one_line, sanitize

DEFAULT_TIMEOUT_S = 2.0
# A node_exporter host answers the source's batch query with a few hundred KiB; this leaves
# room for a fleet query of thousands of instances while a wrong URL (a file server handing
# out an ISO) cannot fill the memory.
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
# What an error line quotes of a non-JSON body (an HTML 503 page from a proxy).
BODY_EXCERPT_CHARS = 80

Labels = tuple[tuple[str, str], ...]

TOKEN_VARIABLE = "SOT_PROMETHEUS_TOKEN"
MAX_TOKEN_BYTES = 64 * 1024  # a JWT is a few KiB; more is not a token file


class PrometheusError(Exception):
    """Any failure of one query, as one line naming the URL without credentials."""


@dataclass(frozen=True, slots=True)
class Sample:
    """One series' value at one time: a vector element, or a scalar (with no labels)."""

    labels: Labels  # sorted by name, sanitized; ``__name__`` included where the server sent it
    value: float  # NaN and +/-Inf as the server gave them
    timestamp_s: float

    def label(self, name: str) -> str | None:
        for key, value in self.labels:
            if key == name:
                return value
        return None


@dataclass(frozen=True, slots=True)
class Series:
    """One series over a range (a matrix element): (time in s, value) points, oldest first."""

    labels: Labels
    points: tuple[tuple[float, float], ...]

    def label(self, name: str) -> str | None:
        for key, value in self.labels:
            if key == name:
                return value
        return None


@dataclass(frozen=True, slots=True)
class QueryResult:
    """A successful answer. ``samples`` holds a vector's elements or a scalar's one value;
    ``series`` a matrix's. ``warnings``: the server answered, but perhaps not fully (a shard
    timed out, a limit was hit): the caller shows them rather than trusting the data blindly."""

    result_type: str  # "vector", "matrix" or "scalar"
    samples: tuple[Sample, ...]
    series: tuple[Series, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Response:
    status: int  # HTTP status
    content_type: str
    body: bytes


# The one seam tests replace: (url, form fields, headers, timeout) -> the server's answer.
# An HTTP error status is a Response, not an exception; a connection failure raises OSError.
Transport = Callable[[str, Mapping[str, str], Mapping[str, str], float], Response]


def read_token(environ: Mapping[str, str], token_file: str | None) -> str | None:
    """The bearer token: from ``token_file`` (--prometheus-token-file) if given, else from
    ``SOT_PROMETHEUS_TOKEN``; None: none. Never from the command line, where ``ps`` shows it.
    Raises ``PrometheusError`` naming the file, never its contents."""
    if token_file is None:
        return environ.get(TOKEN_VARIABLE, "").strip() or None
    try:
        data = read_regular_file(token_file, MAX_TOKEN_BYTES)
    except FileRefused as err:
        raise PrometheusError(f"--prometheus-token-file: {err}") from None
    try:
        token = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise PrometheusError(f"--prometheus-token-file {token_file}: not UTF-8 text") from None
    if not token or any(c in token for c in "\r\n\0"):
        # A header cannot hold a line break: a file of several lines is not one token.
        raise PrometheusError(f"--prometheus-token-file {token_file}: not one token on one line")
    return token


def redact_url(url: str) -> str:
    """``url`` without ``user:password@``, its query string and fragment: what messages show."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "(an unparsable URL)"
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal
    netloc = host if port is None else f"{host}:{port}"
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def promql_string(value: str) -> str:
    """``value`` as a PromQL double-quoted string literal (for a label matcher)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _urllib_transport(context: ssl.SSLContext | None) -> Transport:
    def send(
        url: str, form: Mapping[str, str], headers: Mapping[str, str], timeout_s: float
    ) -> Response:
        # POST: the batched queries' regular expressions can outgrow a URL proxies accept.
        data = urllib.parse.urlencode(form).encode("ascii")
        request = urllib.request.Request(url, data=data, headers=dict(headers), method="POST")
        try:
            with urllib.request.urlopen(request, timeout=timeout_s, context=context) as answer:
                return Response(
                    answer.status,
                    answer.headers.get("Content-Type", ""),
                    answer.read(MAX_RESPONSE_BYTES + 1),
                )
        except urllib.error.HTTPError as err:
            with err:
                body = err.read(MAX_RESPONSE_BYTES + 1)
            return Response(err.code, err.headers.get("Content-Type", ""), body)

    return send


class PrometheusClient:
    """Queries one Prometheus server. Not thread-safe state-wise: it holds none between calls,
    so a worker thread may own it."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        ca_file: str | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        transport: Transport | None = None,
    ) -> None:
        try:
            parts = urllib.parse.urlsplit(base_url)
            valid = parts.scheme in ("http", "https") and bool(parts.hostname)
            _ = parts.port  # raises for a port that is not a number from 0 to 65535
        except ValueError:
            valid = False
        if not valid:
            raise PrometheusError(
                f"{redact_url(base_url)}: not an http:// or https:// URL with a host"
            )
        self.url = redact_url(base_url).rstrip("/")
        self._timeout_s = timeout_s
        self._secrets = tuple(
            s for s in (token, parts.username, parts.password) if s
        )  # never echoed, even where a server quotes a request back
        self._headers = {"Accept": "application/json", "User-Agent": "sot"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        elif parts.username is not None:
            # urllib ignores credentials in the URL: send them as Basic auth, as curl does.
            pair = f"{urllib.parse.unquote(parts.username)}:"
            pair += urllib.parse.unquote(parts.password or "")
            self._headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        if transport is None:
            context = None
            if parts.scheme == "https":
                # The system's CA store, or the given file instead of it.
                try:
                    context = ssl.create_default_context(cafile=ca_file)
                except (OSError, ssl.SSLError) as err:
                    raise PrometheusError(f"CA file {ca_file!r}: {err}") from err
            transport = _urllib_transport(context)
        self._transport = transport

    def query(self, expr: str, time: float | None = None) -> QueryResult:
        form = {"query": expr}
        if time is not None:
            form["time"] = repr(float(time))
        return self._call("/api/v1/query", form)

    def query_range(self, expr: str, start: float, end: float, step_s: float) -> QueryResult:
        form = {
            "query": expr,
            "start": repr(float(start)),
            "end": repr(float(end)),
            "step": repr(float(step_s)),
        }
        return self._call("/api/v1/query_range", form)

    def _fail(self, endpoint: str, what: str) -> PrometheusError:
        text = what
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return PrometheusError(one_line(f"Prometheus {self.url}{endpoint}: {text}"))

    def _call(self, endpoint: str, form: Mapping[str, str]) -> QueryResult:
        try:
            answer = self._transport(self.url + endpoint, form, self._headers, self._timeout_s)
        except TimeoutError:
            raise self._fail(endpoint, f"no answer within {self._timeout_s:g} s") from None
        except urllib.error.URLError as err:
            reason = err.reason
            if isinstance(reason, TimeoutError):
                raise self._fail(endpoint, f"no answer within {self._timeout_s:g} s") from None
            raise self._fail(endpoint, f"cannot connect ({reason})") from None
        except (OSError, ValueError) as err:  # a reset connection, a malformed URL
            raise self._fail(endpoint, f"cannot connect ({err})") from None
        if len(answer.body) > MAX_RESPONSE_BYTES:
            raise self._fail(endpoint, f"answer larger than {MAX_RESPONSE_BYTES} bytes")
        try:
            doc = json.loads(answer.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            doc = None
        if not isinstance(doc, dict) or "status" not in doc:
            # Not the API: a proxy's HTML error page, or not Prometheus at all.
            excerpt = answer.body[:BODY_EXCERPT_CHARS].decode("utf-8", "replace")
            kind = answer.content_type.split(";")[0] or "no content type"
            raise self._fail(
                endpoint, f"HTTP {answer.status}, not a Prometheus answer ({kind}: {excerpt!r})"
            )
        if doc.get("status") != "success":
            error_type = str(doc.get("errorType") or "error")
            reason = doc.get("error") or "no reason given"
            raise self._fail(endpoint, f"{error_type}: {reason} (HTTP {answer.status})")
        try:
            return _result(doc)
        except (KeyError, TypeError, ValueError, IndexError) as err:
            raise self._fail(endpoint, f"malformed answer ({type(err).__name__}: {err})") from None


def _labels(metric: Any) -> Labels:
    if not isinstance(metric, Mapping):
        raise TypeError("a series' metric is not an object")
    return tuple(sorted((sanitize(str(k)), sanitize(str(v))) for k, v in metric.items()))


def _value(raw: Any) -> float:
    """Prometheus sends values as strings ("1.5", "NaN", "+Inf", "-Inf"): float() reads all."""
    if not isinstance(raw, str | int | float) or isinstance(raw, bool):
        raise TypeError(f"a value of type {type(raw).__name__}")
    return float(raw)


def _point(pair: Any) -> tuple[float, float]:
    time_s = float(pair[0])
    if not math.isfinite(time_s):
        raise ValueError("a sample time that is not a number")
    return time_s, _value(pair[1])


def _result(doc: Mapping[str, Any]) -> QueryResult:
    data = doc["data"]
    kind = data["resultType"]
    raw = data["result"]
    warnings = tuple(one_line(str(w)) for w in doc.get("warnings") or ())
    if kind == "vector":
        samples = []
        for element in raw:
            time_s, value = _point(element["value"])
            samples.append(Sample(_labels(element["metric"]), value, time_s))
        return QueryResult(kind, tuple(samples), (), warnings)
    if kind == "scalar":
        time_s, value = _point(raw)
        return QueryResult(kind, (Sample((), value, time_s),), (), warnings)
    if kind == "matrix":
        series = tuple(
            Series(_labels(s["metric"]), tuple(_point(p) for p in s["values"])) for s in raw
        )
        return QueryResult(kind, (), series, warnings)
    raise ValueError(f"result type {sanitize(str(kind))!r}")
