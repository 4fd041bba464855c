"""What every page uses: the templates (autoescaped), flash messages, redirects and the errors shown."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import jinja2
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from config.redaction import mask_text
from connectors.errors import ConnectorError
from worker.console.csrf import CSRF_FIELD, csrf_token
from worker.runtime.context import SyncContext

T = TypeVar("T")
HERE = Path(__file__).parent
# What a person did wrong (a bad choice, an unknown id) and what an outside system refused.
BAD_INPUT: tuple[type[Exception], ...] = (ValueError, LookupError)
FLASH_MAX = 1200


def when(moment: str | datetime | None) -> str:
    """An instant as people read it in a table: 2026-03-02 12:00 UTC."""
    if not moment:
        return "—"
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def ago(moment: str | datetime | None, now: datetime | None = None) -> str:
    """Time since an instant, coarsely: 40 s, 12 min, 3 h, 2 d; "never" for none."""
    if not moment:
        return "never"
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    seconds = max(0, int(((now or datetime.now(UTC)) - value).total_seconds()))
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return f"{seconds} s ago"


def shown(value: Any) -> str:
    """A field value in a diff: '-' for none, JSON for rates and other structures, text otherwise."""
    if value is None or value == "":
        return "-"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,  # every value is text: a plan named <script> stays text
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(when=when, ago=ago, shown=shown, masked=mask_text)
    return environment


def _page_context(request: Request) -> dict[str, Any]:
    return {
        "csrf_field": CSRF_FIELD,
        "csrf_token": csrf_token(request.session),
        "flashes": request.session.pop("flashes", []),
        "signed_in": bool(request.session.get("user")),
    }


templates = Jinja2Templates(env=_environment(), context_processors=[_page_context])


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def flash(request: Request, kind: str, text: str) -> None:
    """A one-time message on the next page: kind is "ok" or "error".

    It rides in the signed cookie until shown: cut short, so the cookie stays under a browser's 4 KB.
    """
    text = mask_text(text)
    text = text if len(text) <= FLASH_MAX else text[: FLASH_MAX - 1] + "…"
    request.session.setdefault("flashes", []).append({"kind": kind, "text": text})


def redirect(path: str, **query: str) -> RedirectResponse:
    """After a POST, always a 303 to a page of the console."""
    wanted = {name: value for name, value in query.items() if value}
    return RedirectResponse(path + (f"?{urlencode(wanted)}" if wanted else ""), status_code=303)


def context_of(request: Request) -> SyncContext:
    context: SyncContext = request.app.state.context
    return context


async def blocking(call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Service functions block (database, HTTP): they run on the thread pool, never on the loop."""
    return await run_in_threadpool(partial(call, *args, **kwargs))


def problem(error: Exception) -> str:
    """An error as one line for a person, personal data masked."""
    return mask_text(str(error) or type(error).__name__)


async def act(
    request: Request,
    call: Callable[[], Any],
    *,
    back: str,
    done: str | Callable[[Any], str],
    then: str | Callable[[Any], str] | None = None,
) -> Response:
    """Run one change: on success flash `done` and go to `then` (or back); on refusal flash why, go back."""
    try:
        result = await blocking(call)
    except ConnectorError as error:
        flash(request, "error", f"{error.system} could not be reached or refused: {problem(error)}")
        return redirect(back)
    except BAD_INPUT as error:
        flash(request, "error", problem(error))
        return redirect(back)
    flash(request, "ok", done(result) if callable(done) else done)
    target = then(result) if callable(then) else then
    return redirect(target or back)


async def form_of(request: Request) -> dict[str, str]:
    """The posted form as plain text values (the CSRF token left out)."""
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str) and key != CSRF_FIELD}


async def error_page(request: Request, error: Exception) -> Response:
    """A read that failed: 502 when an outside system failed, 404 for an unknown id, 400 for bad input."""
    if isinstance(error, ConnectorError):
        status, title = 502, f"{error.system} could not be reached or refused"
    elif isinstance(error, LookupError):
        status, title = 404, "Not found"
    else:
        status, title = 400, "That cannot be done"
    return render(request, "error.html", status_code=status, title=title, detail=problem(error))
