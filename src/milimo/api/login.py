"""The login page: trade the access token for an HttpOnly SameSite=Strict session cookie.

A page, not only an API, so that /docs and media links work in a browser, and so the web app has
somewhere to send the token (components/Login.tsx posts JSON here). No script on the page: the
CSP allows none inline.
"""

from __future__ import annotations

import asyncio
import html

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from milimo.api.deps import SettingsDep
from milimo.exposure.guard import COOKIE, session_value, token_matches

router = APIRouter(tags=["login"], include_in_schema=False)
MAX_AGE_S = 30 * 24 * 3600
FAILED_LOGIN_DELAY_S = 0.5  # a wrong token costs time: guessing stays slow

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="dark"><title>Milimo Video: log in</title>
<style>
body {{ font: 15px system-ui, sans-serif; background: #15161a; color: #e6e6e6; display: grid; place-items: center; height: 100vh; margin: 0; }}
form {{ background: #1f2026; padding: 28px 32px; border-radius: 10px; width: 340px; box-shadow: 0 8px 30px #0008; }}
h1 {{ font-size: 18px; margin: 0 0 6px; }} p {{ color: #9a9ca5; margin: 0 0 18px; line-height: 1.4; }}
input {{ width: 100%; box-sizing: border-box; padding: 9px 10px; border-radius: 6px; border: 1px solid #3a3c45;
        background: #121317; color: inherit; font: inherit; }}
button {{ margin-top: 14px; width: 100%; padding: 9px; border: 0; border-radius: 6px; background: #d9a441; color: #15161a;
         font-weight: 600; font: inherit; cursor: pointer; }}
.error {{ color: #ff7b72; margin: 10px 0 0; }}
</style></head><body>
<form method="post" action="/login">
<h1>Milimo Video</h1>
<p>This studio is shared over the network. Enter its access token (MILIMO_AUTH_TOKEN on the server).</p>
<input type="password" name="token" autocomplete="current-password" placeholder="Access token" autofocus required>
<input type="hidden" name="next" value="{next}">
<button type="submit">Log in</button>
{error}
</form></body></html>"""


def _safe_next(value: str | None) -> str:
    # Only a path on this server: never an open redirect to another site.
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def _page(next_path: str, error: str = "", status: int = 200) -> HTMLResponse:
    err = f'<p class="error">{html.escape(error)}</p>' if error else ""
    return HTMLResponse(
        PAGE.format(next=html.escape(next_path, quote=True), error=err), status_code=status, headers={"cache-control": "no-store"}
    )


@router.get("/login", response_class=HTMLResponse)
def login_page(settings: SettingsDep, next: str | None = None) -> Response:
    if settings.auth_token is None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _page(_safe_next(next))


@router.post("/login")
async def login(request: Request, settings: SettingsDep) -> Response:
    is_json = request.headers.get("content-type", "").startswith("application/json")
    if is_json:
        try:
            data = await request.json()
        except ValueError:
            data = {}
        token, next_path = (data.get("token") if isinstance(data, dict) else None), "/"
    else:
        form = await request.form()
        token, next_path = form.get("token"), _safe_next(form.get("next"))  # type: ignore[arg-type]
    if settings.auth_token is None:
        return Response(status_code=204)
    if not isinstance(token, str) or not token_matches(settings, token):
        await asyncio.sleep(FAILED_LOGIN_DELAY_S)
        if is_json:
            return Response(
                b'{"detail":"that is not this studio\'s access token","code":"unauthorized"}', 401, media_type="application/json"
            )
        return _page(next_path, "That is not this studio's access token.", 401)
    response: Response = Response(status_code=204) if is_json else RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        COOKIE,
        session_value(settings.auth_token.get_secret_value()),
        max_age=MAX_AGE_S,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/logout", status_code=204)
def logout(request: Request) -> Response:
    response = Response(status_code=204)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=request.url.scheme == "https")
    return response
