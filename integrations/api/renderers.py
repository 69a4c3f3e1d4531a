"""The API's JSON renderer: what DRF's ``JSONRenderer`` writes, written by orjson.

A page of fit scores or shortlist entries is tens of kilobytes of JSON; the
standard library's encoder took a millisecond or more of each such request's
CPU, orjson a tenth of that (``make load``).
"""

import orjson
from rest_framework import renderers
from rest_framework.utils.encoders import JSONEncoder

# What orjson leaves to ``default`` goes through DRF's own encoder: dates and times in its ISO
# format (with "Z" for UTC), decimals, lazy translations, querysets and the rest, as DRF writes them.
_drf_default = JSONEncoder().default
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


class JSONRenderer(renderers.JSONRenderer):
    """DRF's JSON, compact and UTF-8 as the project's settings ask, with U+2028/U+2029 escaped as DRF does.

    Left to DRF's renderer: an indented answer (``Accept: application/json;
    indent=2``) and data orjson refuses (an integer beyond 64 bits, nesting
    deeper than 254 levels), so the output never differs in what it says.
    One difference remains: a float NaN or infinity is written as ``null``,
    where DRF's strict JSON failed the response.
    """

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.get_indent(accepted_media_type, renderer_context or {}) is None:
            try:
                content = orjson.dumps(data, default=_drf_default, option=_OPTIONS)
            except orjson.JSONEncodeError:
                pass
            else:
                # Valid JSON either way; escaped, it is also valid JavaScript (as DRF writes it).
                return content.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
        return super().render(data, accepted_media_type, renderer_context)
