"""Who may see what, for every page and API route: one dependency, one rule.

- A signed-in `utilisateur` sees their own work only: their analyses (and the
  verdicts and reports computed from them), the proposals made by them or on
  their analyses, and their own records of the audit trail. Another user's
  object answers 404, as if it did not exist (its number reveals nothing).
- A `controleur` or an `admin` sees everyone's work and the whole audit trail,
  with its verification (`auditor`: 403 for anyone else).

A route takes `viewer: Viewer = Depends(page_viewer)` (a page: session cookie,
else a redirect to the sign-in page), `Depends(api_viewer)` (the API: a bearer
token, else 401) or `Depends(any_viewer)`, then `viewer.require(obj, owner…)`
for an object and `viewer.owner_filter` to narrow a list. The application puts
its `UserStore` in `app.state.users` and its session cookie's name in
`app.state.session_cookie`.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Depends, Request
from starlette.exceptions import HTTPException

from reserves.app.users import Session, User


class SignInRequired(Exception):
    """A page asked for without a valid session: answered by a redirect to the sign-in page."""


class ApiAuthRequired(Exception):
    """An API call without a valid bearer token: answered 401 in JSON."""


@dataclass(frozen=True)
class Viewer:
    """The signed-in user of a request, and what they may see."""

    user: User
    session: Session | None = None

    @property
    def name(self) -> str:
        return self.user.name

    @property
    def role(self) -> str:
        return self.user.role

    @property
    def sees_all(self) -> bool:
        return self.user.sees_all

    @property
    def owner_filter(self) -> str | None:
        """The user name a list must be narrowed to, or None when the viewer sees everyone's."""
        return None if self.sees_all else self.name

    def may_see(self, *owners: str | None) -> bool:
        """Whether the viewer may see an object belonging to any of `owners`."""
        return self.sees_all or any(o is not None and o == self.name for o in owners)

    def require(self, obj, *owners: str | None):
        """`obj` if the viewer may see it (owners: its user names, by default its `user_name` or `user`);
        404 otherwise, and for a missing object alike."""
        if obj is None:
            raise HTTPException(404)
        if not owners:
            owners = (getattr(obj, "user_name", None) or getattr(obj, "user", None),)
        if not self.may_see(*owners):
            raise HTTPException(404)
        return obj


def _session(request: Request) -> Session | None:
    users = request.app.state.users
    return users.session(request.cookies.get(request.app.state.session_cookie))


def page_viewer(request: Request) -> Viewer:
    """A page's viewer, from the session cookie; a visitor without one is sent to the sign-in page."""
    s = _session(request)
    if s is None:
        raise SignInRequired()
    request.state.session = s
    return Viewer(s.user, s)


def api_viewer(request: Request) -> Viewer:
    """An API call's viewer, from `Authorization: Bearer TOKEN` only (a browser's cookie does not open the API)."""
    return _bearer(request)


async def api_viewer_now(request: Request) -> Viewer:
    """`api_viewer` on the event loop itself, for a route answered in about a millisecond (the pre-trade check of
    a few orders): the token's look-up (an indexed query, a fraction of a millisecond) costs less than the hop to a
    worker thread, which on a loaded machine waits for a core."""
    return _bearer(request)


def _bearer(request: Request) -> Viewer:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        user = request.app.state.users.by_token(token.strip())
        if user is not None:
            request.state.user = user
            return Viewer(user)
    raise ApiAuthRequired()


def any_viewer(request: Request) -> Viewer:
    """A session or a bearer token."""
    s = _session(request)
    if s is not None:
        request.state.session = s
        return Viewer(s.user, s)
    return api_viewer(request)


def auditor(viewer: Viewer = Depends(page_viewer)) -> Viewer:
    """A page for those allowed to audit (`controleur`, `admin`): 403 for anyone else."""
    if not viewer.sees_all:
        raise HTTPException(403)
    return viewer


__all__ = ["Viewer", "page_viewer", "api_viewer", "api_viewer_now", "any_viewer", "auditor", "SignInRequired", "ApiAuthRequired"]
