"""Render statements and reminders from the Jinja2 templates in `reports/`.

The default templates ship inside the package (`beancount_ar.reports`, the
repository's `reports/` folder). A user's folder (`--templates DIR`)
overrides them file by file: a template missing there falls back to the
default. HTML templates are autoescaped; undefined variables are errors
(StrictUndefined), reported with the template's name and line.
"""

from __future__ import annotations

import datetime
import importlib.resources
import pathlib
import re
import shutil
import urllib.parse
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import jinja2
import jinja2.sandbox
from markupsafe import Markup

from beancount_ar.money import Amounts

TEMPLATES = (
    "statement.html",
    "statement.css",
    "statement.txt",
    "reminder_subject.txt",
    "reminder.txt",
    "reminder.html",
    "courtesy_subject.txt",
    "courtesy.txt",
    "courtesy.html",
    "statement_email_subject.txt",
    "statement_email.txt",
    "statement_email.html",
    "signature.txt",
    "signature.html",
    "email_head.html",
    "invoice.html",
    "invoice.css",
    "invoice.txt",
)


class TemplateError(Exception):
    """A template that does not render: the message names it and its line."""


def default_folder() -> pathlib.Path:
    """The folder of the default templates."""
    return pathlib.Path(str(importlib.resources.files("beancount_ar.reports")))


def environment(
    templates: str | pathlib.Path | None = None, amounts: Amounts | None = None
) -> jinja2.Environment:
    """A Jinja2 environment over the user's templates, then the defaults.

    Args:
        templates: A folder whose files override the defaults, or None.
        amounts: Formats money with the ledger's precision.

    Returns:
        The environment, with the filters `money` (a number: "1,234.50"),
        `amount` (with its currency: "USD 1,234.50"), `date`, `longdate`
        ("26 November 2026"), `tidy` and `qr` (a QR code of a link, as a
        `data:` URL of an SVG image). Numbers and long dates follow the
        `locale` of the context (the customer's `locale:`), when it has one:
        "1 234,50 kr", "26 november 2026".
    """
    folders = [str(default_folder())]
    if templates is not None:
        folders.insert(0, str(templates))
    # Sandboxed: a template (a user's own, or one handed to them) can format
    # what it is given, and do nothing else.
    env = jinja2.sandbox.SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(folders),
        autoescape=jinja2.select_autoescape(["html", "htm", "xml"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    amounts = amounts or Amounts()

    @jinja2.pass_context
    def money(context: Any, number: Any, currency: str = "") -> str:
        return amounts.human(Decimal(number), currency, context.get("locale"))

    @jinja2.pass_context
    def amount(context: Any, number: Any, currency: str) -> str:
        locale = context.get("locale")
        if locale is None:
            return f"{currency} {amounts.human(Decimal(number), currency)}"
        return amounts.text(Decimal(number), currency, locale)

    @jinja2.pass_context
    def longdate(context: Any, day: datetime.date | None) -> str:
        if day is None:
            return ""
        locale = context.get("locale")
        if locale is None:
            return f"{day.day} {day:%B %Y}"
        import babel.dates

        return babel.dates.format_date(day, format="long", locale=locale)

    env.filters.update(
        money=money, amount=amount, date=_date, longdate=longdate, tidy=tidy, qr=qr
    )
    return env


def qr(url: str) -> str:
    """A QR code of `url`, as a `data:` URL of an SVG image (segno)."""
    import segno

    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)


_DOUBLED = re.compile(r"(?<![.])\.(\s*(?:</[a-z]+>\s*)*)\.(?![.])")


def tidy(text: str) -> str:
    """A paragraph without the doubled full stop a name ending in one leaves
    ("Gull Rock Brewing Co.." becomes "Gull Rock Brewing Co.")."""
    tidied = _DOUBLED.sub(lambda m: "." + m.group(1), str(text))
    return Markup(tidied) if isinstance(text, Markup) else tidied


def _date(value: datetime.date | None, fmt: str = "%Y-%m-%d") -> str:
    return "" if value is None else value.strftime(fmt)


def render(env: jinja2.Environment, name: str, context: Mapping[str, Any]) -> str:
    """Render a template, turning any template problem into a TemplateError."""
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            f"{exc.filename or exc.name}:{exc.lineno}: {exc.message}"
        ) from None
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"template {exc.name} not found") from None
    except (
        jinja2.TemplateError,  # undefined variables, the sandbox's refusals
        TypeError,
        ValueError,
        AttributeError,
        ArithmeticError,
    ) as exc:
        raise TemplateError(f"{_template_line(exc, name)}: {exc}") from None


def _template_line(exc: BaseException, name: str) -> str:
    """The template file and line a rendering error came from.

    Jinja2 rewrites tracebacks so that template code shows as frames of the
    template file itself.
    """
    where = name
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".txt", ".css")):
            where = f"{filename}:{tb.tb_lineno}"
        tb = tb.tb_next
    return where


def pdf(html: str, env: jinja2.Environment | None = None) -> bytes:
    """The PDF of an HTML document (WeasyPrint).

    The document may use files (a logo, fonts) from the template folders of
    `env` only, and `data:` URLs: any other URL (`file:///etc/passwd`, a web
    address) is not fetched.
    """
    import weasyprint  # heavy: only when a PDF is asked for

    folders = [default_folder()]
    if env is not None and isinstance(env.loader, jinja2.FileSystemLoader):
        folders += [pathlib.Path(p) for p in env.loader.searchpath]
    roots = [folder.resolve() for folder in folders]
    return weasyprint.HTML(
        string=html, base_url=str(default_folder()), url_fetcher=_fetcher(roots)
    ).write_pdf()


def allowed(url: str, roots: list[pathlib.Path]) -> bool:
    """Whether a PDF may read `url`: a `data:` URL, or a file below `roots`."""
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme == "data":
        return True
    if scheme != "file":
        return False
    path = pathlib.Path(urllib.parse.unquote(urllib.parse.urlsplit(url).path))
    resolved = path.resolve()
    return any(resolved.is_relative_to(root) for root in roots)


def _fetcher(roots: list[pathlib.Path]) -> Any:
    """WeasyPrint's URL fetcher, held to `allowed` URLs."""
    import weasyprint.urls

    if hasattr(weasyprint.urls, "URLFetcher"):  # WeasyPrint 68 and later

        class Fetcher(weasyprint.urls.URLFetcher):
            def fetch(self, url: str, headers: Any = None) -> Any:
                if not allowed(url, roots):
                    raise ValueError(f"not fetched: {url} (not a template's file)")
                return super().fetch(url, headers)

        return Fetcher(allowed_protocols=("file", "data"))

    def fetch(url: str, *args: Any, **kwargs: Any) -> Any:
        if not allowed(url, roots):
            raise ValueError(f"not fetched: {url} (not a template's file)")
        return weasyprint.default_url_fetcher(url, *args, **kwargs)

    return fetch


def export(folder: pathlib.Path) -> tuple[list[pathlib.Path], list[pathlib.Path]]:
    """Copy the default templates into `folder`, never overwriting a file.

    Returns:
        The files written and the files kept because they already existed.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written, kept = [], []
    for name in TEMPLATES:
        target = folder / name
        if target.exists():
            kept.append(target)
        else:
            shutil.copyfile(default_folder() / name, target)
            written.append(target)
    return written, kept
