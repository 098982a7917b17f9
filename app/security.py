"""The security headers every response carries: what a page may load and run, who may frame
it, what the browser may guess or tell other sites, and what it may keep."""

from flask import Flask, Response, request

# Scripts and styles only from our own files: a script injected into a page cannot run,
# and neither can an inline handler. Photos taken on the device are shown from blob: URLs.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' blob: data:",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'",
    ]
)
ONE_YEAR = 365 * 24 * 3600


def security_headers(response: Response) -> Response:
    """Add the headers to ``response``; a route that set its own policy keeps it."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    # request.is_secure also holds behind the trusted proxy (ProxyFix sets the scheme).
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", f"max-age={ONE_YEAR}")
    # Pages and JSON answers hold people's records and CSRF tokens: no HTTP cache keeps
    # them. Files say how long they keep; the worker's page cache is not an HTTP cache.
    if "Cache-Control" not in headers and not response.direct_passthrough:
        headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.after_request(security_headers)
