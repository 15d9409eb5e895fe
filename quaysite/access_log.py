"""gunicorn's access log without secrets: values of credential-like query parameters and headers
are replaced before a line is written.

Clients put tokens where they should not (``?access_token=`` on the API, ``?client_secret=`` on
/oauth/token, a password in a query string): the request line would then keep them in every log
store the lines reach. gunicorn.conf.py names this class, so every server started from the
project's directory uses it.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

from gunicorn.glogging import Logger

if TYPE_CHECKING:
    from gunicorn.glogging import _AtomsDict
    from gunicorn.http import Request
    from gunicorn.http.wsgi import Response

REDACTED = "REDACTED"
# A parameter whose name contains one of these words, up to the next separator; separators and
# "=" also percent-encoded once or twice, as in a redirect's ?next=/oauth/authorize%3F...
_SEPARATOR = r"(?:[?&;]|%(?:25)?(?:3[fF]|26|3[bB]))"
_EQUALS = r"(?:=|%(?:25)?3[dD])"
_NAME_CHAR = rf"(?:(?!{_SEPARATOR}|{_EQUALS})[^\s&;?=])"
_WORDS = r"(?:token|password|passwd|secret|code|credential|signature|key|assertion)"
_SECRET_PARAMETER = re.compile(
    rf"(?i)(^|{_SEPARATOR})({_NAME_CHAR}*{_WORDS}{_NAME_CHAR}*{_EQUALS})(?:(?!{_SEPARATOR})[^\s&;#\"])*"
)
# Header and environ atoms (``{authorization}i``, ``{http_cookie}e``) that are credentials whole.
_SECRET_ATOM = re.compile(r"(?i)^\{(http_)?(proxy[-_])?(authorization|cookie|x[-_]registry[-_]auth)\}[ie]$")


def secrets_redact(text: str) -> str:
    return _SECRET_PARAMETER.sub(rf"\1\2{REDACTED}", text)


class RedactingLogger(Logger):
    def atoms(
        self, resp: Response, req: Request, environ: MutableMapping[str, Any], request_time: timedelta
    ) -> _AtomsDict:
        atoms = super().atoms(resp, req, environ, request_time)
        # The stubs' TypedDict names the fixed atoms only; gunicorn adds one per header and environ value.
        every = cast(dict[str, Any], atoms)
        # Every string atom: the request line, query, referer and any header or environ value.
        for name, value in every.items():
            if _SECRET_ATOM.match(name):
                every[name] = REDACTED
            elif isinstance(value, str) and ("=" in value or "%" in value):
                every[name] = secrets_redact(value)
        return atoms
