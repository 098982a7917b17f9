"""Rendering a page, or one block of it as an htmx fragment, from the same template."""

from flask import Response, make_response, render_template, request
from jinja2_fragments.flask import render_block

HTMX_PARTIAL = "HX-Request"


def is_fragment_request() -> bool:
    """An htmx request that wants a fragment; boosted navigations want the whole page."""
    return bool(request.headers.get(HTMX_PARTIAL)) and not request.headers.get("HX-Boosted")


def render_page(template: str, block: str, status: int = 200, **context) -> Response:
    """Render ``template`` whole, or only ``block`` for htmx, and say that the answer varies."""
    if is_fragment_request():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add(HTMX_PARTIAL)
    return response
