"""Errors in AWS's shape instead of an HTML page.

moto 5.2.5 answers an action it does not implement (and any crash inside one) with werkzeug's
HTML "500 Internal Server Error" page, which botocore reports as "Unable to parse response ...
invalid XML". AWS answers an unknown action with 400 InvalidAction and its own failures with
500 InternalFailure, serialized per the service's protocol (query XML, JSON, rest-xml/json).
"""
from __future__ import annotations

import logging
from typing import Any
from xml.sax.saxutils import escape

from ._registry import Behaviour, Wrap
from ._util import error_class

log = logging.getLogger("webfleet.local_aws")


def answer(self: Any, code: str, message: str, status: int) -> Any:
    """The error in the service's protocol, with ``status``."""
    from moto.core.responses import ActionResult

    error = error_class(code)(message)
    try:
        _, headers, body = self.serialized(ActionResult(error))
    except Exception:  # the service model itself is unusable: plain query-protocol XML
        headers = {"Content-Type": "text/xml"}
        body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{escape(code)}</Code>"
                f"<Message>{escape(message)}</Message></Error><RequestId>local</RequestId></ErrorResponse>")
    headers = dict(headers)
    headers["status"] = str(status)
    return status, headers, body


def call_action(original: Any, self: Any) -> Any:
    import moto
    from moto.core.exceptions import ServiceException
    from werkzeug.exceptions import HTTPException

    try:
        return original(self)
    except NotImplementedError as exc:
        action = self._get_action()
        log.warning("not implemented: %s.%s (%s)", self.service_name, action, exc)
        return answer(self, "InvalidAction", f"The action {action} of {self.service_name} is not implemented "
                      f"by the local endpoint (moto {moto.__version__})", 400)
    except (ServiceException, HTTPException):  # moto's own, already AWS-shaped
        raise
    except Exception as exc:  # any crash becomes AWS's InternalFailure, logged
        log.exception("crash in %s.%s", self.service_name, self._get_action())
        return answer(self, "InternalFailure",
                      f"The local endpoint failed on {self._get_action()}: {type(exc).__name__}: {exc}", 500)


BEHAVIOURS: list[Behaviour] = [
    Wrap("moto.core.responses:BaseResponse", "call_action", call_action,
         "AWS API common errors (e.g. EC2 API Reference, \"Common client error codes\"): InvalidAction 400, "
         "InternalFailure 500, in the service's protocol"),
]
