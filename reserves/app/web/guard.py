"""An ASGI layer in front of every request: body size cap, and security headers on every answer.

The cap is checked on the declared `Content-Length` before the body is read,
and again while it streams (a chunked upload has no declared length): past
the cap the request is cut and answered 413, whatever the application was
doing with it.
"""

from __future__ import annotations

import json

SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'none'; style-src 'self'; img-src 'self' data:; "
                                 b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
MESSAGE = "envoi refusé : la requête dépasse la taille maximale autorisée ({} Mio)"


class BodyTooLarge(Exception):
    pass


class Guard:
    def __init__(self, app, max_body: int, shown_limit: int | None = None, hsts: bool = False) -> None:
        self.app = app
        self.max_body = max_body
        self.shown_limit = shown_limit or max_body
        self.headers = list(SECURITY_HEADERS)
        if hsts:
            self.headers.append((b"strict-transport-security", b"max-age=31536000"))

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        extra = list(self.headers)
        if not path.startswith("/static/"):
            extra.append((b"cache-control", b"no-store"))
        started = False

        async def send_with_headers(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                names = {k.lower() for k, _ in message.get("headers", [])}
                message = dict(message)
                message["headers"] = list(message.get("headers", [])) + [h for h in extra if h[0] not in names]
            await send(message)

        length = None
        for k, v in scope.get("headers", []):
            if k == b"content-length":
                try:
                    length = int(v)
                except ValueError:
                    length = -1
        if length is not None and (length < 0 or length > self.max_body):
            return await self._refuse(scope, send_with_headers)

        seen = 0
        exceeded = False

        async def limited_receive():
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    exceeded = True
                    raise BodyTooLarge()
            return message

        async def guarded_send(message):
            if exceeded:
                return  # the application's answer to a cut request is replaced by the 413
            await send_with_headers(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started:
            await self._refuse(scope, send_with_headers)

    async def _refuse(self, scope, send):
        text = MESSAGE.format(_mio(self.shown_limit))
        if scope.get("path", "").startswith("/api/"):
            body = json.dumps({"status": "error", "exit_code": 2, "errors": [
                {"message": text[:1].upper() + text[1:], "sheet": None, "row": None, "column": None, "value": None}],
                "more_errors": 0}, ensure_ascii=False).encode()
            ctype = b"application/json"
        else:
            body = ("<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Envoi refusé</title>"
                    "<link rel=\"stylesheet\" href=\"/static/style.css\"></head><body><main><h1>Envoi refusé</h1>"
                    f"<p role=\"alert\">{text[:1].upper() + text[1:]}.</p><p><a href=\"/controle\">Retour</a></p>"
                    "</main></body></html>").encode()
            ctype = b"text/html; charset=utf-8"
        await send({"type": "http.response.start", "status": 413, "headers": [
            (b"content-type", ctype), (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


def _mio(n: int) -> str:
    return f"{n / 1048576:.2f}".rstrip("0").rstrip(".").replace(".", ",")
