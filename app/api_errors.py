"""One error shape for every 4xx/5xx of /api/*: {"code": "...", "message": "<Vietnamese>"}.

The request is never echoed back (FastAPI's default 422 repeats the whole body).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from rag.answer.prompts import Prompts

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)
_STATUS_CODES = {400: "invalid_json", 404: "not_found", 405: "method_not_allowed", 413: "body_too_large",
                 415: "unsupported_media_type", 422: "invalid_body"}


class ApiError(Exception):
    def __init__(self, status: int, code: str, headers: dict[str, str] | None = None, **values: Any) -> None:
        super().__init__(code)
        self.status, self.code, self.headers, self.values = status, code, headers or {}, values


def error_response(prompts: Prompts, status: int, code: str, headers: dict[str, str] | None = None,
                   **values: Any) -> JSONResponse:
    return JSONResponse({"code": code, "error": code, "message": prompts.error(code, **values)}, status_code=status,
                        headers=headers)


def json_body(model: type[M]) -> Callable[[Request], Awaitable[M]]:
    """A FastAPI dependency: the body parsed as ``model``, or an ApiError that says what is wrong."""

    async def read(request: Request) -> M:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/json" and not ctype.endswith("+json"):
            raise ApiError(415, "unsupported_media_type")
        raw = await request.body()
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "invalid_json") from None
        if not isinstance(data, dict):
            raise ApiError(422, "invalid_body")
        try:
            return model.model_validate(data)
        except ValidationError:
            raise ApiError(422, "invalid_body") from None

    return read


def install(api: FastAPI, prompts: Prompts) -> None:
    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return error_response(prompts, exc.status, exc.code, exc.headers, **exc.values)

    async def validation(request: Request, exc: Exception) -> Response:
        return error_response(prompts, 422, "invalid_body")

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        code = _STATUS_CODES.get(exc.status_code)
        if code is None:
            return JSONResponse({"code": "http_error", "error": "http_error", "message": str(exc.detail)},
                                status_code=exc.status_code)
        return error_response(prompts, exc.status_code, code, method=request.method)

    api.add_exception_handler(ApiError, api_error)
    api.add_exception_handler(RequestValidationError, validation)
    api.add_exception_handler(StarletteHTTPException, http_error)
