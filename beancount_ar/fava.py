"""The Collections page in Fava: a thin adapter over the engine.

Add this line to the ledger (the config dict is optional)::

    2010-01-01 custom "fava-extension" "beancount_ar.fava" "{'templates': 'ar'}"

Fava then shows "Collections" in its sidebar, with the aging, the overdue
list, today's worklist, a page per customer and the metrics.

- The open-item index is built once per load, in `after_load_file` (reusing
  the plugin's when the ledger loads the plugin); no request re-reads the
  ledger or rebuilds the index.
- The as-of date is the last day of Fava's time filter, else today. Fava's
  account filter and advanced filter narrow the customers shown.
- The forms POST to the `log` endpoint, which validates the input with the
  same functions as `bean-ar log`, appends one directive through the one
  safe writer, and redirects to the customer page; Fava reloads the ledger
  on that request. GET never writes. A POST from another site is refused.
- Endpoints take a customer account, never a path; statements render from
  `reports/` (or the `templates` folder of the config, relative to the
  ledger) and only for a customer of the ledger.
"""

from __future__ import annotations

import collections
import datetime
import io
import logging
import pathlib
import re
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any, NamedTuple
from urllib.parse import urlencode, urlsplit, urlunsplit

from beancount.core import data
from fava.beans.funcs import hash_entry
from fava.context import g
from fava.core.filters import FilterError
from fava.ext import FavaExtensionBase, extension_endpoint
from fava.util.date import parse_date
from flask import (
    Response,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from markupsafe import Markup

from beancount_ar import (
    aging,
    customer,
    dates,
    documents,
    fava_views,
    logbook,
    metrics,
    money,
    plugin,
    render,
    render_calendar,
    render_invoice,
    worklist,
)
from beancount_ar import ledger as ledger_lib
from beancount_ar import remind as remind_lib
from beancount_ar import statements as statements_lib
from beancount_ar.formguard import FormGuard
from beancount_ar.writer import WriteError

log = logging.getLogger(__name__)

VIEWS = ("today", "aging", "overdue", "metrics", "forecast", "customer", "invoices")
CONFIG_KEYS = {
    "templates": str,
    "metrics_days": int,
    "hosts": (list, tuple),
    "trust_proxy": bool,
}
METRICS_DAYS = 90  # the metrics period without a time filter, as in the CLI
# A time filter whose last day is 27 days or more after its first (four
# weeks or longer) is the metrics period; a shorter one only sets the as-of.
MIN_PERIOD = 27
# Dates the page ages: room for the metrics and the trend to look back.
EARLIEST, LATEST = dates.EARLIEST, dates.LATEST
MAX_METRICS_DAYS = 3650
TREND_MONTHS = 12
#: The forms: what each logs, as the timeline names it, and where its
#: result shows (a new contact in the contacts, the rest in the timeline).
FORMS = {
    "note": ("note", "ar-timeline"),
    "followup": ("follow-up", "ar-timeline"),
    "promise": ("promise", "ar-timeline"),
    "contact": ("contact", "ar-contacts"),
}
#: Fava's own query arguments: `url_for` carries them into every link.
FAVA_ARGS = ("time", "account", "filter", "conversion", "interval")
VIEWS_KEPT = 32  # views remembered per load, the most recently used


class Options(NamedTuple):
    templates: str | None = None
    metrics_days: int = METRICS_DAYS
    hosts: tuple[str, ...] = ()  # names Fava is reached by, besides localhost
    trust_proxy: bool = False  # believe X-Forwarded-Host and -Proto


def parse_options(config: Any) -> tuple[Options, list[str]]:
    """The extension's config dict, checked key by key."""
    if config is None:
        return Options(), []
    if not isinstance(config, dict):
        return Options(), [f"the config must be a dict, not {config!r}"]
    values, errors = {}, []
    for key, value in config.items():
        wanted = CONFIG_KEYS.get(key)
        if wanted is None:
            errors.append(f"unknown key {key!r} (known: {', '.join(CONFIG_KEYS)})")
        elif not isinstance(value, wanted) or (
            isinstance(value, bool) and wanted is not bool
        ):
            kind = "list of host names" if key == "hosts" else wanted.__name__
            errors.append(f"{key!r} must be a {kind}, not {value!r}")
        elif key == "hosts" and not all(isinstance(h, str) and h for h in value):
            errors.append(f"'hosts' must be a list of host names, not {value!r}")
        else:
            values[key] = tuple(value) if key == "hosts" else value
    if not 1 <= values.get("metrics_days", 1) <= MAX_METRICS_DAYS:
        errors.append(f"'metrics_days' must be from 1 to {MAX_METRICS_DAYS}")
        values.pop("metrics_days")
    return Options(**values), errors


class Page(NamedTuple):
    """What the template shows: one view, as of one date."""

    view: str
    as_of: datetime.date
    as_of_from: str  # "the time filter" or "today"
    filtered: bool  # customers narrowed by Fava's filters
    no_match: bool  # ... to none at all
    problems: list[str]  # engine errors not already among Fava's
    data: Any
    form: dict[str, Any]  # values and errors of a refused form


class Collections(FavaExtensionBase):
    """Fava extension: accounts receivable and collections."""

    report_title = "Collections"
    has_js_module = True  # Collections.js: focus after a refused form, aria-sort

    def __init__(self, ledger: Any, config: str | None = None) -> None:
        super().__init__(ledger, config)
        self.options, self.config_errors = parse_options(self.config)
        self.loaded: ledger_lib.Ledger | None = None
        self.problems: list[str] = []
        self._views = _RecentViews(VIEWS_KEPT)
        self.guard = FormGuard(
            str(ledger.beancount_file_path),
            self.options.hosts,
            self.options.trust_proxy,
        )
        # Reloads go through Beancount's loader: let the plugin keep the
        # index it builds there, so the page need not build it again.
        plugin.keep_indexes()

    # -- loading ------------------------------------------------------------

    def before_request(self) -> None:
        money.exact_sums()  # this request's thread: exact sums, any amount

    def after_load_file(self) -> None:
        money.exact_sums()
        ledger = self.ledger
        try:
            loaded = ledger_lib.from_entries(
                ledger.all_entries, ledger.load_errors, ledger.options
            )
        except Exception as exc:  # a bug must not take Fava's other pages down
            log.exception("beancount-ar could not index %s", ledger.beancount_file_path)
            loaded = ledger_lib.from_entries([], [], ledger.options)
            broken = [f"beancount-ar could not read the receivables: {exc!r}"]
        else:
            broken = []
        # Warm the per-customer lookups once, not in the first request.
        loaded.index.invoices_for("")
        loaded.index.credits_for("")
        known = {id(e) for e in ledger.load_errors}
        problems = broken + [
            ledger_lib.error_line(e) for e in loaded.errors if id(e) not in known
        ]
        problems += [f"fava-extension config: {e}" for e in self.config_errors]
        # One assignment each: a request in another thread sees the old
        # state or the new, never half.
        self.problems = problems
        self.loaded = loaded

    def _ledger(self) -> ledger_lib.Ledger:
        if self.loaded is None:  # a request before the first load finished
            self.after_load_file()
        assert self.loaded is not None
        return self.loaded

    # -- request context ----------------------------------------------------

    def time_range(self) -> tuple[datetime.date, datetime.date] | None:
        """Fava's time filter as (first day, day after the last), if set.

        Parsed as Fava parses it, without filtering the entries (which on a
        large ledger would summarise every balance before the range).
        """
        value = request.args.get("time", "").strip()
        if not value:
            return None
        try:
            begin, end = parse_date(value, self.ledger.fava_options.fiscal_year_end)
        except (ValueError, OverflowError):  # "2026-13", "2026-02-30"
            begin = end = None
        if begin is None or end is None:
            # Reported as Fava reports a bad filter on its own pages.
            raise FilterError("time", f"Failed to parse date: {value}")
        if begin < EARLIEST or end > LATEST:
            # Shown as of the nearest day the page ages, and said so.
            begin = min(max(begin, EARLIEST), LATEST)
            end = max(min(end, LATEST + datetime.timedelta(days=1)), begin)
            g.ar_time_problem = (
                f"the time filter {value} reaches past the dates Collections ages "
                f"({EARLIEST} to {LATEST}): shown from {begin} to "
                f"{end - datetime.timedelta(days=1)}"
            )
        return begin, end

    def as_of(self) -> tuple[datetime.date, str]:
        """The last day of Fava's time filter, else today."""
        time_range = self.time_range()
        if time_range is not None:
            return time_range[1] - datetime.timedelta(days=1), "the time filter"
        return datetime.date.today(), "today"

    def accounts(self) -> set[str] | None:
        """The customers Fava's account and advanced filters leave, or None
        when no filter is set."""
        account_filter = request.args.get("account", "").strip()
        advanced = request.args.get("filter", "").strip()
        if not account_filter and not advanced:
            return None
        customers = set(self._ledger().index.customers)
        if account_filter:
            customers = {a for a in customers if _account_matches(a, account_filter)}
        if advanced:
            entries = self.ledger.get_filtered(filter=advanced).entries
            touched = {
                p.account
                for e in entries
                if isinstance(e, data.Transaction)
                for p in e.postings
            }
            customers &= touched
        return customers

    # -- the page -----------------------------------------------------------

    def page(self, form: dict[str, Any] | None = None) -> Page:
        """The view the request asks for (the template's one entry point).

        Args:
            form: A refused form: its values and error, shown on the page of
                the customer it was for.
        """
        loaded = self._ledger()
        as_of, source = self.as_of()
        accounts = self.accounts()
        args = dict(request.args.items())
        if form:
            args.update(view="customer", customer=form["values"].get("customer", ""))
        view = args.get("view", "today")
        if view not in VIEWS:
            view = "today"
        builder = getattr(self, f"_{view}")
        # A view is a pure function of the index, the as-of date, the
        # filters and its own arguments: reloading a page costs nothing.
        extra = {k: v for k, v in args.items() if k not in ("partial", "logged")}
        narrowed = frozenset(accounts) if accounts is not None else None
        key = (view, as_of, narrowed, frozenset(extra.items()))
        problems = list(self.problems)
        if getattr(g, "ar_time_problem", None):
            problems.append(g.ar_time_problem)
        try:
            content = self._views.get(
                loaded.index, key, lambda: builder(loaded, as_of, accounts, args)
            )
        except Exception as exc:  # a bug must show on the page, not as a 500
            log.exception("beancount-ar: the %s view failed", view)
            problems.append(
                f"the {view} view failed ({exc.__class__.__name__}: {exc}); "
                "please report this"
            )
            return Page("error", as_of, source, accounts is not None,
                        accounts == set(), problems, None, form or {})  # fmt: skip
        if content is None:  # an unknown customer
            problems.append(f"no customer {args.get('customer', '')!r}")
            if form:
                problems.append(f"nothing written: {form['error']}")
            view, content = "today", self._today(loaded, as_of, accounts, args)
        filtered = accounts is not None
        return Page(view, as_of, source, filtered, accounts == set(), problems,
                    content, form or {})  # fmt: skip

    def _operating(self, loaded: ledger_lib.Ledger) -> list[str]:
        return list(loaded.options.get("operating_currency", []))

    def _today(self, loaded, as_of, accounts, args) -> fava_views.TodayView:
        return fava_views.today(
            loaded.index,
            as_of,
            accounts,
            self._operating(loaded),
            datetime.date.today(),
            args,
        )

    def _aging(self, loaded, as_of, accounts, args) -> fava_views.AgingView:
        return fava_views.aging_view(
            loaded.index, as_of, accounts, self._operating(loaded), args
        )

    def _overdue(self, loaded, as_of, accounts, args) -> fava_views.OverdueView:
        return fava_views.overdue_view(
            loaded.index, as_of, accounts, self._operating(loaded), args
        )

    def _invoices(self, loaded, as_of, accounts, args) -> fava_views.InvoicesView:
        return fava_views.invoices_view(
            loaded.index, as_of, accounts, self._operating(loaded), args
        )

    def _customer(self, loaded, as_of, accounts, args) -> customer.View | None:
        return customer.view(loaded.index, args.get("customer", ""), as_of)

    def _metrics(self, loaded, as_of, accounts, args) -> fava_views.MetricsView:
        # The time filter's range is the period when it is at least a month
        # long ("2026", "2026-Q3"); a single day only sets the as-of date.
        time_range = self.time_range()
        start = as_of - datetime.timedelta(days=self.options.metrics_days)
        if time_range is not None and (as_of - time_range[0]).days >= MIN_PERIOD:
            start = time_range[0] - datetime.timedelta(days=1)
        report = metrics.metrics(loaded.index, start, as_of, accounts)
        operating = self._operating(loaded)
        order = fava_views.ordered([t.currency for t in report.totals], operating)
        report = report._replace(
            totals=sorted(report.totals, key=lambda t: order.index(t.currency))
        )
        # Remembered by the index that computed it: a reload starts afresh.
        key = ("trend", as_of, frozenset(accounts) if accounts is not None else None)
        ends = aging.month_ends(as_of, TREND_MONTHS)
        points = loaded.index.memo(
            key, lambda: aging.trend(loaded.index, ends, accounts)
        )
        charts = fava_views.charts(points, loaded.index.config.buckets, operating)
        return fava_views.MetricsView(
            report,
            start + datetime.timedelta(days=1),
            charts,
            len(ends),
            fava_views.metrics_rows(report, args),
        )

    def _forecast(self, loaded, as_of, accounts, args) -> fava_views.ForecastView:
        return fava_views.forecast_view(
            loaded.index, as_of, accounts, self._operating(loaded), args
        )

    # -- helpers for the template ---------------------------------------------

    def url(self, **args: Any) -> str:
        """A URL of this page, keeping Fava's filters.

        Flask's `url_for` once per request, then plain string work: a page
        of thousands of customer links would otherwise spend a third of its
        time building URLs.
        """
        base = getattr(g, "ar_base_url", None)
        if base is None:
            base = g.ar_base_url = url_for("extension_report", extension_name=self.name)
        if not args:
            return base
        return base + ("&" if "?" in base else "?") + urlencode(args)

    def url_all(self) -> str:
        """This very page with everything shown ("show all")."""
        args = {
            k: v for k, v in request.args.items() if k not in FAVA_ARGS and k != "all"
        }
        return self.url(**args, all="1")

    def url_today(self, **args: Any) -> str:
        """A URL of this page without the time filter: as of today."""
        base = url_for(
            "extension_report",
            extension_name=self.name,
            time=None,  # type: ignore[arg-type]
        )
        return base + ("&" if "?" in base else "?") + urlencode(args)

    def endpoint(self, name: str, **args: Any) -> str:
        """A URL of one of this extension's endpoints, keeping Fava's filters.

        Built from the page's URL: Flask's `url_for` cannot take Fava's
        `endpoint` route argument (it is the name of its own first parameter).
        """
        page = urlsplit(self.url(**args))
        return urlunsplit(page._replace(path=page.path + name))

    def today(self) -> datetime.date:
        return datetime.date.today()

    def read_only(self) -> bool:
        """Whether Fava runs with --read-only: then no form is shown (Fava
        refuses every POST). Fava keeps it only as its before-request hook."""
        hooks = current_app.before_request_funcs.get(None, [])
        return any(getattr(hook, "__name__", "") == "_read_only" for hook in hooks)

    # -- endpoints ----------------------------------------------------------

    @extension_endpoint("statement", ["GET"])
    def statement(self) -> Response | None:
        """A customer's open-item statement, as HTML (preview) or PDF."""
        loaded = self._ledger()
        account = request.args.get("customer", "")
        if account not in loaded.index.customers:
            return None
        fmt = request.args.get("format", "html")
        if fmt not in ("html", "pdf"):
            return None
        as_of, _ = self.as_of()
        try:
            amounts = render.Amounts(loaded.options.get("dcontext"))
            env = documents.environment(self._templates(), amounts)
            report = statements_lib.statement(
                loaded.index, account, as_of, "open-item", None
            )
            html = documents.render(
                env,
                "statement.html",
                remind_lib.statement_context(report, loaded.index),
            )
        except documents.TemplateError as exc:
            return Response(str(exc), status=500, mimetype="text/plain")
        if fmt == "html":
            return Response(html, mimetype="text/html")
        name = account.rsplit(":", 1)[-1]
        return send_file(
            io.BytesIO(documents.pdf(html, env)),
            mimetype="application/pdf",
            as_attachment=True,
            download_name=f"statement-{name}-{as_of}.pdf",
        )

    @extension_endpoint("calendar.ics", ["GET"])
    def calendar(self) -> Response:
        """The collections calendar (follow-ups, promises, instalments, the
        days invoices reach their next level) for a calendar app to
        subscribe to: as of the day it is fetched, of every customer."""
        loaded = self._ledger()
        return Response(
            render_calendar.ics(loaded.index, datetime.date.today()),
            mimetype="text/calendar",
            headers={"Content-Disposition": 'inline; filename="collections.ics"'},
        )

    def calendar_urls(self) -> tuple[str, str]:
        """The calendar's address to download (http) and to subscribe to
        (webcal, which calendar apps open as a subscription)."""
        # Flask's `url_for` cannot name Fava's `endpoint` argument (see
        # `endpoint`): the page's address without filters, and the name.
        path = (
            url_for(
                "extension_report",
                extension_name=self.name,
                **dict.fromkeys(FAVA_ARGS),  # type: ignore[arg-type]
            )
            + "calendar.ics"
        )
        http = request.host_url.rstrip("/") + path
        return http, "webcal://" + http.split("://", 1)[1]

    @extension_endpoint("invoice", ["GET"])
    def invoice(self) -> Response | None:
        """An open invoice's document, shown in the browser or downloaded:
        the ledger's own `document` when it has one, else rendered."""
        loaded = self._ledger()
        found = loaded.index.invoice(
            request.args.get("customer", ""), request.args.get("invoice", "")
        )
        if found is None:
            return None
        as_of, _ = self.as_of()
        amounts = render.Amounts(loaded.options.get("dcontext"))
        env = documents.environment(self._templates(), amounts)
        try:
            data = render_invoice.pdf(env, loaded.index, found, as_of)
        except documents.TemplateError as exc:
            return Response(str(exc), status=500, mimetype="text/plain")
        return send_file(
            io.BytesIO(data),
            mimetype="application/pdf",
            as_attachment=request.args.get("download") == "1",
            download_name=render_invoice.filename(found),
        )

    def journal_link(self, invoice: Any) -> str:
        """Where an invoice's number leads: Fava's journal of its link (the
        invoice and every payment carrying the link), else of its `invoice:`
        metadata, else the invoice's own entry in Fava's context view (an
        id the plugin made up, or a second use of an id)."""
        entry = invoice.entry
        if invoice.id in (entry.links or ()):
            wanted = "^" + invoice.id
        elif entry.meta.get("invoice") == invoice.id:
            wanted = f'invoice:"^{re.escape(invoice.id)}$"'
        else:
            return f"#context-{self.entry_hash(entry)}"
        # Neither the time nor the account filter of this page: the journal
        # shows the whole life of the invoice, however old.
        return url_for(
            "report",
            report_name="journal",
            filter=wanted,
            time=None,  # type: ignore[arg-type]
            account=None,  # type: ignore[arg-type]
        )

    def logged(self) -> tuple[str, str] | None:
        """What the page's form just logged, as (name, anchor), if it did."""
        return FORMS.get(request.args.get("logged", ""))

    def entry_hash(self, entry: data.Directive) -> str:
        """The id of an entry in Fava's context view (`#context-…`)."""
        return hash_entry(entry)

    def first_items(self, view: customer.View) -> fava_views.Cut:
        """A customer's open items, the oldest first; of very many, a page."""
        return fava_views.cut(view.items, fava_views.ITEMS_SHOWN, request.args)

    def named(self, ids: list[str]) -> str:
        """ "INV-1, INV-2, INV-3 and 57 more"."""
        return worklist.named(ids)

    def level_name(self, level: str | None) -> str:
        return fava_views.level_name(level)

    def promise_default(self, view: customer.View) -> str:
        """What a new promise proposes: what the customer has overdue in its
        first currency (the operating ones first), "8815.00 USD"; nothing
        under Fava's --incognito, which must not show amounts."""
        if current_app.config.get("INCOGNITO"):
            return ""
        overdue: dict[str, Decimal] = {}
        for o in view.overdue:
            if o.dispute is None and o.item.collectible:
                cur = o.item.currency
                overdue[cur] = overdue.get(cur, Decimal(0)) + o.item.open
        if not overdue:
            return ""
        loaded = self._ledger()
        cur = fava_views.ordered(overdue.keys(), self._operating(loaded))[0]
        return f"{loaded.index.amounts.plain(overdue[cur], cur)} {cur}"

    def in_order(self, amounts: dict[str, Decimal]) -> list[tuple[str, Decimal]]:
        """Amounts per currency, the operating currencies first."""
        order = fava_views.ordered(amounts.keys(), self._operating(self._ledger()))
        return [(cur, amounts[cur]) for cur in order]

    def has_document(self, invoice: Any) -> bool:
        """Whether the ledger holds the invoice's own document."""
        index = self._ledger().index
        return (invoice.account, invoice.id) in index.documents

    def _templates(self) -> pathlib.Path | None:
        folder = self.options.templates
        if folder is None:
            return None
        return pathlib.Path(self.ledger.beancount_file_path).parent / folder

    @extension_endpoint("log", ["POST"])
    def log(self) -> Any:
        """Append a note, follow-up or promise; redirect to the customer page."""
        refusal = self.guard.refusal(request)
        if refusal is not None:
            return Response(refusal.reason, refusal.status, mimetype="text/plain")
        loaded = self._ledger()
        form = {k: v.strip() for k, v in request.form.items()}
        kind = form.get("kind", "")
        account = form.get("customer", "")
        try:
            if kind not in FORMS:
                raise logbook.InputError("kind", f"unknown form {kind!r}")
            if account not in loaded.index.customers:
                raise logbook.InputError("customer", f"no customer {account!r}")
            text = _directive(loaded, kind, account, form)
            path = logbook.write(
                self.ledger.beancount_file_path,
                loaded,
                account,
                text,
                today=datetime.date.today(),
            )
        except logbook.InputError as exc:
            return self._refused(kind, form, exc.field, exc.message)
        except WriteError as exc:
            return self._refused(kind, form, "write", str(exc))
        # Fava reloads on the next request: the redirect shows the new entry.
        self.ledger.watcher.notify(path)
        target = self.url(
            view="customer", customer=account, logged=kind, logged_date=text[:10]
        )
        return redirect(target + f"#{FORMS[kind][1]}", code=303)

    def _refused(self, kind: str, form: dict[str, str], field: str, message: str):
        """The customer page again, the form filled in and the error beside it."""
        state = {"kind": kind, "values": form, "field": field, "error": message}
        template = self.jinja_env.get_template(f"{self.name}.html")
        g.extension = self
        content = Markup(
            template.render(ledger=self.ledger, extension=self, form=state)
        )
        html = render_template(
            "_layout.html", content=content, page_title=self.report_title
        )
        return Response(html, status=400)


class _RecentViews:
    """The views computed from one index, the most recently used kept.

    Bounded by count, not by dates asked for; a new index (a reload) starts
    afresh. Safe to share between the server's threads.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.lock = threading.Lock()
        self.index: Any = None
        self.views: collections.OrderedDict[Any, Any] = collections.OrderedDict()

    def get(self, index: Any, key: Any, compute: Callable[[], Any]) -> Any:
        with self.lock:
            if self.index is index and key in self.views:
                self.views.move_to_end(key)
                return self.views[key]
        value = compute()  # outside the lock: views are computed in parallel
        with self.lock:
            if self.index is not index:
                self.index, self.views = index, collections.OrderedDict()
            self.views[key] = value
            while len(self.views) > self.size:
                self.views.popitem(last=False)
        return value


def _account_matches(account: str, value: str) -> bool:
    """Fava's account filter: a parent account (a component sequence) or a
    regular expression; a pattern that is not one matches itself only."""
    if re.search(rf"(^|:){re.escape(value)}(:|$)", account):
        return True
    try:
        return re.search(value, account, re.IGNORECASE) is not None
    except re.error:
        return account == value


def _directive(
    loaded: ledger_lib.Ledger, kind: str, account: str, form: dict[str, str]
) -> str:
    """The directive a form asks for, checked like `bean-ar log` checks it."""
    day = logbook.parse_date(form.get("date") or str(datetime.date.today()), "date")
    if kind == "note":
        return logbook.note(
            loaded,
            day,
            account,
            form.get("text", ""),
            form.get("contact") or None,
            form.get("channel") or None,
        )
    if kind == "followup":
        due = logbook.parse_date(form.get("due"), "due")
        return logbook.followup(loaded, day, account, due, form.get("what", ""))
    if kind == "contact":
        return logbook.contact(
            loaded,
            day,
            account,
            form.get("name", ""),
            form.get("role", ""),
            form.get("email", ""),
            form.get("phone", ""),
        )
    by = logbook.parse_date(form.get("by"), "by")
    return logbook.promise(
        loaded, day, account, form.get("amount", ""), by, form.get("invoice") or None
    )
