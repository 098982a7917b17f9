"""What an area's checkpoint sticker carries, and the QR code printed on it.

A patrol's scanner reads ``CHECKPOINT_PREFIX`` + the area's ``checkpoint_code``: the
prefix tells a Kefu sticker from any other QR code in the building.
"""

import segno
from markupsafe import Markup

from app.models import Area

CHECKPOINT_PREFIX = "kefu-checkpoint:"
# Medium error correction survives a scuffed or sun-faded sticker; a quiet zone of four
# modules is what scanners expect around a code.
ERROR_CORRECTION = "m"
QUIET_ZONE = 4


def checkpoint_content(code: str) -> str:
    """The text a sticker's QR code carries for this checkpoint code."""
    return CHECKPOINT_PREFIX + code


def checkpoint_qr(code: str) -> segno.QRCode:
    return segno.make_qr(checkpoint_content(code), error=ERROR_CORRECTION, boost_error=False)


def sticker_svg(area: Area, label: str) -> Markup:
    """The area's QR code as inline SVG, sized by the page's CSS; ``label`` names it."""
    svg = checkpoint_qr(area.checkpoint_code).svg_inline(
        border=QUIET_ZONE, omitsize=True, svgclass="qr", lineclass=None, title=label
    )
    # The title alone is not always read out: the image says what it is itself.
    named = Markup('<svg role="img" aria-label="{}" ').format(label)
    return Markup(svg.replace("<svg ", named, 1))
