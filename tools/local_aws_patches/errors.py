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

from ._util import wrap

log = logging.getLogger("webfleet.local_aws")


def apply() -> None:
    import moto
    from moto.core.exceptions import ServiceException
    from moto.core.responses import ActionResult, BaseResponse
    from werkzeug.exceptions import HTTPException

    class InvalidAction(ServiceException):
        code = "InvalidAction"

    class InternalFailure(ServiceException):
        code = "InternalFailure"

    def answer(self: BaseResponse, error: ServiceException, status: int) -> Any:
        try:
            _, headers, body = self.serialized(ActionResult(error))
        except Exception:  # the service model itself is unusable: plain query-protocol XML
            headers = {"Content-Type": "text/xml"}
            body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{escape(error.code)}</Code>"
                    f"<Message>{escape(error.message)}</Message></Error><RequestId>local</RequestId></ErrorResponse>")
        headers = dict(headers)
        headers["status"] = str(status)
        return status, headers, body

    def call_action(original: Any, self: BaseResponse) -> Any:
        try:
            return original(self)
        except NotImplementedError as exc:
            action = self._get_action()
            log.warning("not implemented: %s.%s (%s)", self.service_name, action, exc)
            return answer(self, InvalidAction(
                f"The action {action} of {self.service_name} is not implemented by the local endpoint "
                f"(moto {moto.__version__})"), 400)
        except (ServiceException, HTTPException):  # moto's own, already AWS-shaped
            raise
        except Exception as exc:  # any crash becomes AWS's InternalFailure, logged
            log.exception("crash in %s.%s", self.service_name, self._get_action())
            return answer(self, InternalFailure(
                f"The local endpoint failed on {self._get_action()}: {type(exc).__name__}: {exc}"), 500)

    wrap(BaseResponse, "call_action", call_action)
