"""An ASGI layer in front of every request: body size cap, and security headers on every answer.

The cap is checked on the declared `Content-Length` before the body is read,
and again while it streams (a chunked upload has no declared length): past
the cap the request is cut and answered 413, whatever the application was
doing with it. An error the application did not handle is answered 500 here,
in French (JSON under `/api/`), with the same headers. Both are reported to
`on_refused(scope, status, exc)` (the application records them in the audit
trail).
"""

from __future__ import annotations

import json
import logging

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
INTERNAL = "erreur interne du serveur : l'opération n'a pas abouti"


class BodyTooLarge(Exception):
    pass


class Guard:
    def __init__(self, app, max_body: int, shown_limit: int | None = None, hsts: bool = False,
                 on_refused=None) -> None:
        self.app = app
        self.on_refused = on_refused
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
            await self._refuse(scope, send_with_headers)
            return await self._report(scope, 413)

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
        except Exception as exc:
            if not exceeded:
                logging.getLogger("reserves.web").exception("erreur interne sur %s", scope.get("path"))
                if not started:
                    await self._answer(scope, send_with_headers, 500, "Erreur interne", INTERNAL)
                await self._report(scope, 500, exc)
                return
        if exceeded and not started:
            await self._refuse(scope, send_with_headers)
            await self._report(scope, 413)

    async def _report(self, scope, status: int, exc: BaseException | None = None) -> None:
        if self.on_refused is None:
            return
        from starlette.concurrency import run_in_threadpool

        try:
            await run_in_threadpool(self.on_refused, scope, status, exc)
        except Exception:
            logging.getLogger("reserves.web").exception("refus non inscrit au journal d'audit")

    async def _refuse(self, scope, send):
        await self._answer(scope, send, 413, "Envoi refusé", MESSAGE.format(_mio(self.shown_limit)))

    async def _answer(self, scope, send, status: int, title: str, text: str):
        if scope.get("path", "").startswith("/api/"):
            body = json.dumps({"status": "error", "exit_code": 4 if status >= 500 else 2, "errors": [
                {"message": text[:1].upper() + text[1:], "sheet": None, "row": None, "column": None, "value": None}],
                "more_errors": 0}, ensure_ascii=False).encode()
            ctype = b"application/json"
        else:
            body = (f"<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>{title}</title>"
                    f"<link rel=\"stylesheet\" href=\"/static/style.css\"></head><body><main><h1>{title}</h1>"
                    f"<p role=\"alert\">{text[:1].upper() + text[1:]}.</p><p><a href=\"/controle\">Retour</a></p>"
                    "</main></body></html>").encode()
            ctype = b"text/html; charset=utf-8"
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", ctype), (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


def _mio(n: int) -> str:
    return f"{n / 1048576:.2f}".rstrip("0").rstrip(".").replace(".", ",")
