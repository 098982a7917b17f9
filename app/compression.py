"""Text goes out compressed: built files as compressed at build time, pages and JSON
answers gzipped as they leave."""

import gzip
import mimetypes
from pathlib import Path

from flask import Flask, Response, request, send_from_directory

# What scripts/build-assets.mjs writes beside each built text file, best first.
PRECOMPRESSED = (("br", ".br"), ("gzip", ".gz"))
COMPRESSIBLE = frozenset({"text/html", "text/csv", "application/json", "application/manifest+json"})
# Below this, gzip's own framing eats most of what it saves.
MIN_BYTES = 1024


def send_built(directory: str, filename: str, max_age: int | None) -> Response:
    """The built file ``filename``, or its precompressed twin when the browser takes one;
    ``max_age`` is the file's own, whichever twin is sent."""
    for encoding, suffix in PRECOMPRESSED:
        if request.accept_encodings[encoding] and (Path(directory) / (filename + suffix)).is_file():
            response = send_from_directory(
                directory,
                filename + suffix,
                mimetype=mimetypes.guess_type(filename)[0],
                max_age=max_age,
            )
            response.headers["Content-Encoding"] = encoding
            break
    else:
        response = send_from_directory(directory, filename, max_age=max_age)
    response.vary.add("Accept-Encoding")
    return response


def compress(response: Response) -> Response:
    """Gzip a page or a JSON answer for a browser that accepts it."""
    if (
        response.mimetype not in COMPRESSIBLE
        or response.direct_passthrough
        or response.is_streamed
        or "Content-Encoding" in response.headers
    ):
        return response
    response.vary.add("Accept-Encoding")
    body = response.get_data()
    if not request.accept_encodings["gzip"] or len(body) < MIN_BYTES:
        return response
    response.set_data(gzip.compress(body, compresslevel=6))
    response.headers["Content-Encoding"] = "gzip"
    return response


def init_app(app: Flask) -> None:
    static_files = app.view_functions["static"]

    def static(filename: str) -> Response:
        if filename.startswith("dist/"):
            return send_built(app.static_folder, filename, app.get_send_file_max_age(filename))
        return static_files(filename=filename)

    app.view_functions["static"] = static
    app.after_request(compress)
