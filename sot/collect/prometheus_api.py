"""A small client of the Prometheus HTTP API (``/api/v1/query``, ``/api/v1/query_range``).

Standard library only (urllib, ssl, json): sot reads from the Prometheus a fleet already runs
instead of shipping an agent, and a client library would be a dependency for two endpoints.

Everything the server sends is untrusted: label values are sanitized here, once, as they become
records, so no later reader (a panel, an error line, the log) can forget to. A bearer token is
passed in as a value (the caller reads it from ``SOT_PROMETHEUS_TOKEN`` or a file, never argv)
and never appears in an error message; neither does a Basic auth password (from
``SOT_PROMETHEUS_PASSWORD`` or a file: a password written into the URL is refused, as ``ps``
shows the URL).
"""

from __future__ import annotations

import base64
import http.client
import io
import json
import math
import socket
import ssl
import time
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
PASSWORD_VARIABLE = "SOT_PROMETHEUS_PASSWORD"
MAX_TOKEN_BYTES = 64 * 1024  # a JWT is a few KiB; more is not a token file
# Shorter secrets are not masked in messages: replacing every "a" or "pw" would garble the text
# ("s***bscriptable") and tell more about the secret than it hides.
MIN_MASKED_CHARS = 4
MASK = "***"


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
    location: str = ""  # a redirect's Location header, as the server sent it


# The one seam tests replace: (url, form fields, headers, timeout) -> the server's answer.
# An HTTP error status is a Response, not an exception; a connection failure raises OSError.
Transport = Callable[[str, Mapping[str, str], Mapping[str, str], float], Response]


def read_token(environ: Mapping[str, str], token_file: str | None) -> str | None:
    """The bearer token: from ``token_file`` (--prometheus-token-file) if given, else from
    ``SOT_PROMETHEUS_TOKEN``; None: none. Never from the command line, where ``ps`` shows it.
    Raises ``PrometheusError`` naming the file or the variable, never the token."""
    return _read_secret(
        environ, TOKEN_VARIABLE, token_file, "--prometheus-token-file", "token", str.strip
    )


def read_password(environ: Mapping[str, str], password_file: str | None) -> str | None:
    """The Basic auth password (the user is in the URL): from ``password_file``
    (--prometheus-password-file) if given, else from ``SOT_PROMETHEUS_PASSWORD``; None: none.
    Spaces are part of a password: only the line break that ends the file is dropped."""
    return _read_secret(
        environ,
        PASSWORD_VARIABLE,
        password_file,
        "--prometheus-password-file",
        "password",
        _without_line_break,
    )


def _without_line_break(text: str) -> str:
    return text.removesuffix("\n").removesuffix("\r")


def _read_secret(
    environ: Mapping[str, str],
    variable: str,
    path: str | None,
    option: str,
    what: str,
    trim: Callable[[str], str],
) -> str | None:
    if path is None:
        secret = trim(environ.get(variable, ""))
        if secret and _has_control(secret):
            # A header cannot hold a line break, and the error would quote the header.
            raise PrometheusError(f"{variable}: not one {what} on one line (a control character)")
        return secret or None
    try:
        data = read_regular_file(path, MAX_TOKEN_BYTES)
    except FileRefused as err:
        raise PrometheusError(f"{option}: {err}") from None
    try:
        secret = trim(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise PrometheusError(f"{option} {path}: not UTF-8 text") from None
    if not secret or _has_control(secret):
        # A file of several lines is not one token, nor one password.
        raise PrometheusError(f"{option} {path}: not one {what} on one line")
    return secret


def _has_control(text: str) -> bool:
    return any(ord(c) < 0x20 or ord(c) == 0x7F for c in text)


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


class _DeadlineReader(io.RawIOBase):
    """A socket's reads, each allowed only the time left until the query's deadline: urllib's
    timeout bounds each read, so a server trickling its headers or body a byte a second would
    hold a query for as long as it likes."""

    def __init__(self, sock: socket.socket, deadline_s: float) -> None:
        super().__init__()
        self._sock = sock
        self._raw = sock.makefile("rb", buffering=0)  # counts as a user of the socket, as usual
        self._deadline_s = deadline_s

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        left_s = self._deadline_s - time.monotonic()
        if left_s <= 0:
            raise TimeoutError("timed out")
        self._sock.settimeout(left_s)
        return self._raw.readinto(buffer)

    def close(self) -> None:
        self._raw.close()
        super().close()


def _deadline_response(deadline_s: float) -> type[http.client.HTTPResponse]:
    class DeadlineResponse(http.client.HTTPResponse):
        def __init__(
            self,
            sock: socket.socket,
            debuglevel: int = 0,
            method: str | None = None,
            url: str | None = None,
        ) -> None:
            super().__init__(sock, debuglevel, method, url)
            self.fp.close()  # nothing read from it yet: replaced before the status line
            self.fp = io.BufferedReader(_DeadlineReader(sock, deadline_s))

    return DeadlineResponse


def _deadline_connection(
    kind: type[http.client.HTTPConnection], deadline_s: float, **extra: Any
) -> Callable[..., http.client.HTTPConnection]:
    def connect(host: str, /, **kwargs: Any) -> http.client.HTTPConnection:
        connection = kind(host, **kwargs, **extra)
        connection.response_class = _deadline_response(deadline_s)
        return connection

    return connect


class _DeadlineHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline_s: float) -> None:
        super().__init__()
        self._deadline_s = deadline_s

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_deadline_connection(http.client.HTTPConnection, self._deadline_s), req)


class _DeadlineHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline_s: float, context: ssl.SSLContext | None) -> None:
        super().__init__(context=context)
        self._deadline_s = deadline_s
        self._tls = context

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        connection = _deadline_connection(
            http.client.HTTPSConnection, self._deadline_s, context=self._tls
        )
        return self.do_open(connection, req)


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """urllib would follow a 3xx with the Authorization header, to whatever host the Location
    names; the API never redirects, so a 3xx is returned as it is (the client refuses it)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _read_capped(answer: Any) -> bytes:
    """The body, up to one byte more than MAX_RESPONSE_BYTES (which the caller refuses); a body
    cut short of its Content-Length raises IncompleteRead instead of passing as the whole."""
    chunks: list[bytes] = []
    size = 0
    while size <= MAX_RESPONSE_BYTES:
        chunk = answer.read(min(1024 * 1024, MAX_RESPONSE_BYTES + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    body = b"".join(chunks)
    missing = getattr(answer, "length", None)  # what the Content-Length still promised
    if size <= MAX_RESPONSE_BYTES and missing:
        raise http.client.IncompleteRead(body, missing)
    return body


def _urllib_transport(context: ssl.SSLContext | None) -> Transport:
    def send(
        url: str, form: Mapping[str, str], headers: Mapping[str, str], timeout_s: float
    ) -> Response:
        # The whole request (connect, status line, headers, body) within timeout_s.
        deadline_s = time.monotonic() + timeout_s
        opener = urllib.request.build_opener(
            _DeadlineHTTPHandler(deadline_s),
            _DeadlineHTTPSHandler(deadline_s, context),
            _RefuseRedirects(),
        )
        # POST: the batched queries' regular expressions can outgrow a URL proxies accept.
        data = urllib.parse.urlencode(form).encode("ascii")
        request = urllib.request.Request(url, data=data, headers=dict(headers), method="POST")
        try:
            with opener.open(request, timeout=timeout_s) as answer:
                kind = answer.headers.get("Content-Type", "")
                return Response(answer.status, kind, _read_capped(answer))
        except urllib.error.HTTPError as err:
            with err:
                body = _read_capped(err)
            kind = err.headers.get("Content-Type", "")
            return Response(err.code, kind, body, err.headers.get("Location", ""))

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
        password: str | None = None,
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
        if parts.password is not None:
            # The URL is in argv, which every user of the machine reads with ps.
            raise PrometheusError(
                f"{self.url}: no password in the URL (ps shows it to every user): keep the user"
                f" (http://USER@host) and give the password in {PASSWORD_VARIABLE} or"
                " --prometheus-password-file FILE"
            )
        if password is not None and parts.username is None:
            raise PrometheusError(
                f"{self.url}: a password needs the user in the URL (http://USER@host)"
            )
        if password is not None and token is not None:
            raise PrometheusError(f"{self.url}: a bearer token and a password: give one of them")
        self._timeout_s = timeout_s
        self._headers = {"Accept": "application/json", "User-Agent": "sot"}
        secrets: list[str] = []
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
            secrets.append(token)
        elif parts.username is not None:
            # urllib ignores a user in the URL: send it as Basic auth, as curl does.
            pair = f"{urllib.parse.unquote(parts.username)}:{password or ''}"
            basic = base64.b64encode(pair.encode()).decode()
            self._headers["Authorization"] = f"Basic {basic}"
            if password:
                secrets += [password, basic]
        # Masked in every message, also where a server quotes the request back; the user name
        # is not a secret (and masking it garbles text that happens to contain it).
        self._secrets = tuple(
            sorted(
                {
                    form
                    for secret in secrets
                    for form in (secret, urllib.parse.quote(secret, safe=""))
                    if len(form) >= MIN_MASKED_CHARS
                },
                key=len,
                reverse=True,
            )
        )
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

    def __repr__(self) -> str:
        return f"PrometheusClient({self.url!r})"

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

    def _mask(self, text: str) -> str:
        for secret in self._secrets:  # longest first: a secret inside another is masked once
            text = text.replace(secret, MASK)
        return one_line(text)

    def _fail(self, endpoint: str, what: str) -> PrometheusError:
        return PrometheusError(self._mask(f"Prometheus {self.url}{endpoint}: {what}"))

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
        except http.client.HTTPException as err:
            # Not an HTTP server on that port (an SSH banner), or an answer cut short.
            excerpt = _excerpt(str(err))
            raise self._fail(
                endpoint, f"not an HTTP answer ({type(err).__name__}: {excerpt})"
            ) from None
        except OSError as err:  # a reset connection, a TLS failure
            raise self._fail(endpoint, f"cannot connect ({err})") from None
        except (ValueError, OverflowError) as err:
            # Not quoted: http.client's text for a header it refuses holds the header's value.
            raise self._fail(
                endpoint, f"the request or its answer is not valid HTTP ({type(err).__name__})"
            ) from None
        if 300 <= answer.status < 400:
            raise self._fail(endpoint, self._redirected(endpoint, answer))
        if len(answer.body) > MAX_RESPONSE_BYTES:
            raise self._fail(endpoint, f"answer larger than {MAX_RESPONSE_BYTES} bytes")
        try:
            doc = json.loads(answer.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            doc = None  # ValueError also for an integer of more than 4,300 digits
        if not isinstance(doc, dict) or "status" not in doc:
            # Not the API: a proxy's HTML error page, or not Prometheus at all.
            excerpt = answer.body[:BODY_EXCERPT_CHARS].decode("utf-8", "replace")
            kind = answer.content_type.split(";")[0] or "no content type"
            raise self._fail(
                endpoint, f"HTTP {answer.status}, not a Prometheus answer ({kind}: {excerpt!r})"
            )
        if doc.get("status") != "success":
            error_type = _text(doc.get("errorType")) or "error"
            reason = _text(doc.get("error")) or "no reason given"
            raise self._fail(endpoint, f"{error_type}: {reason} (HTTP {answer.status})")
        try:
            result = _result(doc)
        except _Malformed as err:
            raise self._fail(endpoint, f"malformed answer ({err})") from None
        if not result.warnings:
            return result
        return QueryResult(
            result.result_type,
            result.samples,
            result.series,
            tuple(self._mask(w) for w in result.warnings),
        )

    def _redirected(self, endpoint: str, answer: Response) -> str:
        """Where a 3xx points, as the URL to give instead: its scheme and host (and the path
        before the endpoint, where it ends with it), never its credentials or query."""
        try:
            target = urllib.parse.urlsplit(
                urllib.parse.urljoin(self.url + endpoint, answer.location)
            )
            netloc = target.hostname or ""
            if ":" in netloc:
                netloc = f"[{netloc}]"
            if target.port is not None:
                netloc += f":{target.port}"
        except ValueError:
            target, netloc = None, ""
        if target is None or target.scheme not in ("http", "https") or not netloc:
            return f"HTTP {answer.status}, a redirect (not followed) to no usable URL"
        base = target.path.removesuffix(endpoint) if target.path.endswith(endpoint) else ""
        return (
            f"HTTP {answer.status}, redirected to {target.scheme}://{netloc}{base.rstrip('/')}"
            " (not followed: give that URL)"
        )


class _Malformed(Exception):
    """An answer in the API's envelope whose contents are not the API's (wrong types)."""


def _excerpt(text: str) -> str:
    text = sanitize(text).strip()
    return text if len(text) <= BODY_EXCERPT_CHARS else text[: BODY_EXCERPT_CHARS - 1] + "…"


def _text(raw: Any) -> str:
    """A text field of an answer; anything else (a number, a list) is not a text: ''."""
    return raw if isinstance(raw, str) else ""


def _field(container: Any, name: str) -> Any:
    if not isinstance(container, dict):
        raise _Malformed(f"{_kind(container)} where an object with {name!r} belongs")
    if name not in container:
        raise _Malformed(f"no {name!r}")
    return container[name]


def _list(raw: Any, what: str) -> list[Any]:
    if not isinstance(raw, list):
        raise _Malformed(f"{what} is {_kind(raw)}, not a list")
    return raw


def _kind(raw: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(raw), "null" if raw is None else "a number"
    )


def _labels(metric: Any) -> Labels:
    if not isinstance(metric, dict):
        raise _Malformed(f"a series' metric is {_kind(metric)}, not an object")
    pairs = []
    for key, value in metric.items():
        if not isinstance(value, str):
            raise _Malformed(f"label {sanitize(key)[:40]!r} is {_kind(value)}, not a string")
        pairs.append((sanitize(key), sanitize(value)))
    return tuple(sorted(pairs))


def _number(raw: Any, what: str) -> float:
    """Prometheus sends values as strings ("1.5", "NaN", "+Inf", "-Inf"), times as numbers;
    float() reads both, but not a bool, and not an integer beyond a float's range."""
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise _Malformed(f"{what} is {_kind(raw)}")
    try:
        return float(raw)
    except (ValueError, OverflowError):
        raise _Malformed(f"{what} is not a number") from None


def _point(pair: Any) -> tuple[float, float]:
    if not isinstance(pair, list) or len(pair) != 2:
        raise _Malformed(f"a sample is {_kind(pair)}, not a [time, value] pair")
    time_s = _number(pair[0], "a sample time")
    if not math.isfinite(time_s):
        raise _Malformed("a sample time that is not a number")
    return time_s, _number(pair[1], "a sample value")


def _result(doc: dict[str, Any]) -> QueryResult:
    """The API's answer as records; raises only _Malformed, whatever JSON the server sent."""
    data = _field(doc, "data")
    kind = _field(data, "resultType")
    raw = _field(data, "result")
    warnings = doc.get("warnings")
    if warnings is None:
        warnings = []
    texts = tuple(one_line(w) for w in _list(warnings, "warnings") if isinstance(w, str))
    if kind == "vector":
        samples = []
        for element in _list(raw, "a vector"):
            time_s, value = _point(_field(element, "value"))
            samples.append(Sample(_labels(_field(element, "metric")), value, time_s))
        return QueryResult(kind, tuple(samples), (), texts)
    if kind == "scalar":
        time_s, value = _point(raw)
        return QueryResult(kind, (Sample((), value, time_s),), (), texts)
    if kind == "matrix":
        series = tuple(
            Series(
                _labels(_field(s, "metric")),
                tuple(_point(p) for p in _list(_field(s, "values"), "a series' values")),
            )
            for s in _list(raw, "a matrix")
        )
        return QueryResult(kind, (), series, texts)
    shown = _excerpt(kind) if isinstance(kind, str) else _kind(kind)
    raise _Malformed(f"result type {shown!r}")
