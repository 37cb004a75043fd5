"""Match imported bank deposits to open invoices: a `beangulp` hook.

    from beangulp import Ingest
    from beancount_ar.importer import match_payments

    Ingest(importers, hooks=[match_payments])()

Run with the ledger, so that the hook knows the open invoices:

    python import.py extract bank-2026-11.csv -e main.beancount >> main.beancount

Before (as the bank importer made it):

    2026-11-24 * "ACH CREDIT BCD PRACTICE MGMT" "ACH credit"
      memo: "Invoice INV-2026-119"
      Assets:Bank:Checking   640.00 USD
      Income:Unknown

After:

    2026-11-24 * "ACH CREDIT BCD PRACTICE MGMT" "ACH credit" ^INV-2026-119
      memo: "Invoice INV-2026-119"
      ar-match: "INV-2026-119 by invoice id in the memo"
      Assets:Bank:Checking               640.00 USD
      Assets:Receivable:BackCoveDental  -640.00 USD

A deposit is a transaction with one positive posting to the importer's
account, an `Assets` account that is not a receivable, and at most one other
leg, which is absent or a placeholder (an account named `...:Unknown`,
`...:Uncategorized`, `...:Suspense`, ...). Matching, in order:

1. Invoice ids in the payee, narration or string metadata (a `memo:`),
   ignoring case and punctuation ("inv2026119" names INV-2026-119; in
   "INV-1/INV-2" both are named). An id of digits only ("1001") counts only
   after the word "inv" or "invoice" ("Invoice #1001", "Inv. No. 1001",
   "INV1001"): "Check 1001" names no invoice. Only open invoices dated on or
   before the deposit count; an id that names only paid invoices leaves the
   deposit alone. When the payee names another customer (rule 2), or the
   deposit is more than the invoices' open amount and the payee does not
   name their customer, the deposit is left alone as ambiguous.
2. The payee (else the narration) being a customer's whole name or one of
   its `aliases:`, ignoring case and punctuation, a leading "The", trailing
   legal forms ("Inc", "LLC", "Co.") and the bank's "ACH"/"WIRE" before and
   ACH entry codes ("PPD", "CCD") after. The customer's account must take the
   deposit's currency (its `open` lists it, or, listing none, it has an
   invoice in it). The invoice is then picked by amount (rule 3) among that
   customer's; when none fits, or two fit equally, the deposit is posted to
   the customer with no link: an unapplied payment, which the plugin applies
   oldest first under `fifo`.
3. The amount: the open amount of one invoice, an invoice less its
   early-payment discount when the deposit is on or before the discount
   date, or a customer's whole open balance (all its invoices linked).
   Exactly one candidate must fit. An early-payment discount the customer
   earned is not open: it is to be booked, not paid.

A matched deposit gets the invoices' links, its receivable leg (and a
discount leg to the configured discount account) and an `ar-match:` note
saying how it was matched. An ambiguous or unmatched deposit is left as
imported with an `ar-match:` note saying why. Within one import, an invoice
paid by one deposit is not open to the next. The k-th deposit of a day with
the same bank account and amount is a duplicate when the ledger already has
k such bank postings that day, whatever their payee or other legs: beangulp
prints it commented out, and it is not matched. Withdrawals and other entries
pass untouched; no entry is dropped or reordered.

The configuration is the `plugin "beancount_ar"` line of the ledger's top
file: the file that includes the others (looked for beside the ledger's
files and up to three folders above them, and above each includer found).
When no account is open below the configured receivable roots, the hook
warns on stderr and changes nothing.
"""

from __future__ import annotations

import functools
import glob
import os
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from beancount.core import account_types, data
from beancount.core.amount import Amount
from beancount.parser import parser

from beancount_ar.config import Config, find_config, parse_config
from beancount_ar.matching import build_index
from beancount_ar.openitems import Customer, Index, Invoice
from beancount_ar.status import earned_discount

#: The note the hook leaves on every deposit it looked at.
META_MATCH = "ar-match"
#: beangulp's mark of a duplicate: the entry it duplicates.
META_DUPLICATE = "__duplicate__"
#: Last components of the accounts an importer posts what it cannot place to.
PLACEHOLDERS = frozenset(
    {"Unknown", "Uncategorized", "Uncategorised", "Suspense", "Unassigned", "Todo"}
)
#: Legal forms a bank may drop from (or add to) the end of a payer's name:
#: "Gull Rock Brewing Co." is also "GULL ROCK BREWING".
LEGAL_FORMS = frozenset(
    {"co", "company", "inc", "llc", "ltd", "corp", "corporation", "plc", "gmbh",
     "sa", "sarl", "sas", "bv", "ag", "ab", "oy", "pty"}
)  # fmt: skip
#: What a bank writes before a payer's name ("ACH CREDIT GULL ROCK") and the
#: ACH entry class codes it writes after it ("GULL ROCK PPD").
BANK_PREFIXES = (("ach", "credit"), ("ach", "deposit"), ("ach",),
                 ("wire", "from"), ("wire",))  # fmt: skip
BANK_SUFFIXES = frozenset({"ppd", "ccd", "ctx", "web", "tel"})
#: Words that say an invoice number follows ("Invoice #1001", "Inv. 1001"),
#: and words that may stand between them and the numbers ("No.", "Nr", "#",
#: "and").
ID_MARKERS = frozenset({"inv", "invoice", "invoices"})
NUMBER_WORDS = frozenset({"no", "nr", "num", "number", "nos", "nrs", "and"})
#: An id with its marker glued on: "INV1001", "Inv#1001", "invoiceno1001".
_GLUED_ID = re.compile(r"(?:invoice|inv)(?:no|nr|num|number)?(\d+)")
#: An id of letters then digits ("inv1009" for INV-1009): its number.
_ID_NUMBER = re.compile(r"[a-z]+(\d+)")
#: Where invoice ids end: spaces and punctuation that no id holds.
_TOKEN = re.compile(r"[^\s,;:()\[\]{}<>\"'|]+")
#: Metadata that is never searched for invoice ids.
SKIPPED_META = frozenset({"filename", "lineno", META_MATCH})
#: File names a ledger's top file may have, looked for beside its files.
LEDGER_SUFFIXES = (".beancount", ".bean", ".ledger")
#: How many folders above a ledger file its top file is looked for.
TOP_FILE_LEVELS = 3

Extracted = list[tuple[str, list[data.Directive], str, Any]]
#: A file's `option`, `plugin` and `include` lines read as Beancount's options.
Header = Callable[[str], dict[str, Any]]


class Candidate(NamedTuple):
    """A way a deposit could pay: invoices of one customer, less a discount."""

    account: str
    invoices: tuple[Invoice, ...]
    discount: Decimal
    kind: str  # "its open amount", as the note of a match says it
    why: str  # "the open amount of INV-1 (Acme Corp)", as an ambiguity lists it


class Outcome(NamedTuple):
    """What the hook decided for one deposit."""

    legs: tuple[tuple[str, Decimal], ...]  # receivable account, credit
    links: frozenset[str]
    discount: Decimal
    note: str


class LedgerSetup(NamedTuple):
    """What the hook reads from the ledger's top file."""

    config: Config
    assets: str  # the name of the Assets root (`option "name_assets"`)
    source: str | None  # where the configuration came from, e.g. the file
    # the `plugin "beancount_ar"` line is in; None: the defaults


def match_payments(
    extracted: Extracted,
    existing_entries: Sequence[data.Directive],
    config: Config | str | None = None,
) -> Extracted:
    """The beangulp hook: pay open invoices with the imported deposits.

    Args:
        extracted: beangulp's `(filename, entries, account, importer)` list.
        existing_entries: The ledger given with `-e`; beangulp has already
            added this import's entries to it, and they are left out here.
        config: The plugin configuration (a Config or its dict literal);
            by default the one on the ledger's `plugin "beancount_ar"` line.

    Returns:
        The same list, each deposit rewritten or noted; nothing dropped or
        reordered.
    """
    # The ledger as it was before this import: not the entries being imported.
    imported = {id(e) for _, entries, _, _ in extracted for e in entries}
    sources = {filename for filename, _, _, _ in extracted}
    ledger = [
        e
        for e in existing_entries
        if id(e) not in imported and (e.meta or {}).get("filename") not in sources
    ]
    if not ledger:
        return extracted  # no ledger given (`-e`): nothing to match against
    ledger.sort(key=data.entry_sortkey)
    setup = ledger_setup(ledger)
    if isinstance(config, str):
        config, errors = parse_config(config)
        for error in errors:
            _warn(error.message)
    if config is not None:
        setup = setup._replace(config=config, source="the hook's `config`")
    config = setup.config

    # Roots with no account at all: a wrong configuration, not a ledger
    # without customers. Say so rather than match nothing silently.
    if not any(
        type(e) is data.Open and config.is_receivable(e.account) for e in ledger
    ):
        where = (
            f" (by {setup.source})"
            if setup.source
            else ' (the default: no `plugin "beancount_ar"` line found)'
        )
        _warn(
            f"no account is open below {', '.join(config.accounts)}, the "
            f"receivable roots configured{where}: deposits left as imported"
        )
        return extracted
    matcher = Matcher(build_index(ledger, config), ledger, setup.assets)
    return [
        (filename, [matcher.entry(e, account) for e in entries], account, importer)
        for filename, entries, account, importer in extracted
    ]


def _warn(message: str) -> None:
    print(f"beancount_ar.importer: {message}", file=sys.stderr)


# -- the ledger's configuration --------------------------------------------------

_STRING = r'"(?:[^"\\]|\\.)*"'
#: The lines of a file that say how it loads: `option`, `plugin`, `include`
#: (a string may run over several lines).
_HEADER_LINE = re.compile(
    rf"^(?:option|plugin|include)[ \t]+{_STRING}(?:[ \t]+{_STRING})?", re.MULTILINE
)


def ledger_config(entries: Iterable[data.Directive]) -> Config:
    """The configuration on the ledger's `plugin "beancount_ar"` line, if any."""
    return ledger_setup(entries).config


def ledger_setup(entries: Iterable[data.Directive]) -> LedgerSetup:
    """The configuration and Assets root of the ledger's top file.

    beangulp passes the hook the entries, not the options, and Beancount
    reads `plugin` and `option` lines from the top file only, which often
    holds nothing else (it includes the files the entries come from). So the
    top file is found: of the ledger files beside the entries' files (and up
    to `TOP_FILE_LEVELS` folders above them and above each includer found),
    the one not included by another whose includes reach the most of the
    entries' files (the fewest files on a tie, then by name). Without one,
    the defaults.

    Args:
        entries: The ledger's entries, as loaded from its files.

    Returns:
        The configuration, the Assets root's name and the file they came from.
    """
    files = {(e.meta or {}).get("filename") for e in entries}
    known = {os.path.normpath(f) for f in files if isinstance(f, str)}
    known = {f for f in known if os.path.isfile(f)}
    header = functools.cache(_header)  # each file read once per import
    top = _top_file(known, header)
    if top is None:
        return LedgerSetup(
            parse_config(None)[0], account_types.DEFAULT_ACCOUNT_TYPES.assets, None
        )
    options = header(top)
    text = find_config(options)
    config, errors = parse_config(text)
    for error in errors:
        _warn(f"{top}: {error.message}")
    source = f'the `plugin "beancount_ar"` line of {top}' if text is not None else None
    return LedgerSetup(config, options["name_assets"], source)


def _header(path: str) -> dict[str, Any]:
    """The options of a file's `option`, `plugin` and `include` lines."""
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            text = file.read()
    except OSError:
        text = ""
    lines = "\n".join(m.group(0) for m in _HEADER_LINE.finditer(text))
    return parser.parse_string(lines)[2]


def _includes(path: str, header: Header) -> list[str]:
    """The files a file includes, as Beancount's loader finds them."""
    found = []
    folder = os.path.dirname(path)
    for pattern in header(path)["include"]:
        pattern = pattern if os.path.isabs(pattern) else os.path.join(folder, pattern)
        found += [os.path.normpath(f) for f in glob.glob(pattern, recursive=True)]
    return found


def _top_file(known: set[str], header: Header) -> str | None:
    """The file Beancount loaded first, of those that include `known`."""
    # Look beside the files reached so far and a few folders above them;
    # every includer found takes the search higher (`main` including
    # `ledger/main` including `ledger/2025/*`).
    closures: dict[str, frozenset[str]] = {}
    reaching: dict[str, int] = {}
    seen: set[str] = set()
    frontier = set(known)
    while frontier:
        folders = set()
        for name in frontier:
            folder = os.path.dirname(name)
            for _ in range(TOP_FILE_LEVELS + 1):
                folders.add(folder)
                folder = os.path.dirname(folder)
        found = set(frontier)
        for folder in sorted(folders - seen):
            seen.add(folder)
            try:
                names = os.listdir(folder)
            except OSError:
                continue
            found |= {
                os.path.join(folder, n) for n in names if n.endswith(LEDGER_SUFFIXES)
            }
        frontier = set()
        for name in sorted(found - closures.keys()):
            if not os.path.isfile(name):
                continue
            closures[name] = closure = _closure(name, header)
            if closure & known:
                reaching[name] = len(closure & known)
                frontier.add(name)
        frontier -= known

    # The files no other one includes; the one reaching most of `known`.
    included = {f for c in reaching for f in closures[c] if f != c}
    tops = [c for c in reaching if c not in included]
    if not tops:
        return None
    return min(tops, key=lambda c: (-reaching[c], len(closures[c]), c))


def _closure(path: str, header: Header) -> frozenset[str]:
    """A file and every file it includes, however deep."""
    seen = {path}
    stack = [path]
    while stack:
        for name in _includes(stack.pop(), header):
            if name not in seen:
                seen.add(name)
                stack.append(name)
    return frozenset(seen)


# -- words and names ---------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(re.sub(r"[^\w]+|_", " ", text.casefold()).split())


def _key(text: str) -> str:
    """An invoice id as a bank writes it: no case, no punctuation."""
    return "".join(_words(text))


def _id_keys(text: str) -> Iterator[tuple[str, bool]]:
    """The keys of the words of `text` that may be invoice ids, each with
    whether an invoice marker stands before it ("Invoice #1001").

    A word with slashes is also read part by part: "INV-1/INV-2" names
    INV-1 and INV-2 (and an id "2026/1" is still found whole).
    """
    marked = False
    for token in _TOKEN.findall(text):
        key = _key(token)
        if key in ID_MARKERS:
            marked = True
            continue
        if not key or key in NUMBER_WORDS:
            continue  # "#" or "No." between the marker and the number
        parts = token.split("/")[:8]
        for i in range(len(parts)):
            for j in range(i + 1, len(parts) + 1):
                yield _key("/".join(parts[i:j])), marked
        if glued := _GLUED_ID.fullmatch(key):
            yield glued.group(1), True
        # "Invoices 1001 1002": the marker stands before a run of numbers.
        marked = marked and key.isdigit() and "/" not in token


def _core(words: tuple[str, ...], bank: bool = False) -> tuple[str, ...]:
    """A name without what a bank adds or drops: "ACH CREDIT THE GULL ROCK
    BREWING CO PPD" and "Gull Rock Brewing Co." are both gull rock brewing."""
    if bank:
        for prefix in BANK_PREFIXES:
            if words[: len(prefix)] == prefix and len(words) > len(prefix):
                words = words[len(prefix) :]
                break
        while len(words) > 1 and words[-1] in BANK_SUFFIXES:
            words = words[:-1]
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    while len(words) > 1 and words[-1] in LEGAL_FORMS:
        words = words[:-1]
    return words


def _names(customer: Customer) -> set[tuple[str, ...]]:
    """The names a payee may name a customer by: its name and aliases."""
    return {
        _core(w) for text in (customer.name, *customer.aliases) if (w := _words(text))
    }


class Deposit(NamedTuple):
    txn: data.Transaction
    bank: int  # index of the bank posting
    placeholder: int | None  # index of the leg to replace, if any
    amount: Amount


def deposit_of(
    entry: data.Directive, account: str, assets: str = "Assets"
) -> Deposit | None:
    """The deposit an imported entry is, if it is one the hook may place:
    money into `account`, an account below the `assets` root."""
    if type(entry) is not data.Transaction:
        return None
    if not account_types.is_account_type(assets, account):
        return None  # a card refund, a loan draw: no customer's payment
    bank = [
        i
        for i, p in enumerate(entry.postings)
        if p.account == account and p.units is not None
    ]
    others = [i for i in range(len(entry.postings)) if i not in bank]
    if len(bank) != 1 or len(others) > 1:
        return None
    units = entry.postings[bank[0]].units
    if not isinstance(units.number, Decimal) or units.number <= 0:
        return None  # a withdrawal, or an amount left to interpolation
    placeholder = None
    if others:
        leg = entry.postings[others[0]]
        if leg.account.rsplit(":", 1)[-1] not in PLACEHOLDERS:
            return None  # the importer placed it already
        placeholder = others[0]
    return Deposit(entry, bank[0], placeholder, units)


# -- the matcher ---------------------------------------------------------------------


class Matcher:
    """Matches deposits one by one, remembering what each one paid."""

    def __init__(
        self, index: Index, ledger: Sequence[data.Directive], assets: str = "Assets"
    ) -> None:
        self.index = index
        self.config = index.config
        self.ledger = ledger
        self.assets = assets
        self.paid: dict[int, Decimal] = defaultdict(Decimal)  # id(invoice) -> paid
        self.seen: Counter[tuple[Any, ...]] = Counter()  # deposits so far, by key
        self.earned: dict[tuple[int, Any], bool] = {}
        self.unpaid = [inv for inv in index.invoices if inv.open > 0]
        self.by_key: dict[str, list[Invoice]] = defaultdict(list)
        # "inv 1009" names INV-1009: an id's number after its letters.
        self.by_number: dict[str, list[Invoice]] = defaultdict(list)
        for invoice in index.invoices:
            key = _key(invoice.id)
            self.by_key[key].append(invoice)
            number = _ID_NUMBER.fullmatch(key)
            if number:
                self.by_number[number.group(1)].append(invoice)
        # Customers a payee may name: not the roots, not closed accounts.
        self.opens = {e.account: e for e in ledger if type(e) is data.Open}
        closed = {e.account for e in ledger if type(e) is data.Close}
        self.by_name: dict[tuple[str, ...], set[str]] = defaultdict(set)
        for customer in index.customers.values():
            if customer.account in closed or customer.account in self.config.accounts:
                continue
            for name in _names(customer):
                self.by_name[name].add(customer.account)

    @functools.cached_property
    def recorded(self) -> dict[tuple[Any, ...], list[data.Transaction]]:
        """The ledger's transactions by (date, account, amount) of each
        posting, in ledger order: how a deposit already booked is known."""
        found = defaultdict(list)
        for entry in self.ledger:
            if type(entry) is data.Transaction:
                for p in entry.postings:
                    if p.units is not None:
                        found[(entry.date, p.account, p.units)].append(entry)
        return found

    def entry(self, entry: data.Directive, account: str) -> data.Directive:
        """The entry with its deposit matched or noted; others as they are."""
        if self.config.is_receivable(account):
            return entry
        deposit = deposit_of(entry, account, self.assets)
        if deposit is None:
            return entry
        # The n-th deposit of a day with this account and amount is booked
        # already when the ledger has n such postings, however the
        # bookkeeper edited their payee or placed their other leg.
        key = (deposit.txn.date, account, deposit.amount)
        nth = self.seen[key]
        self.seen[key] += 1
        if META_DUPLICATE in entry.meta:
            return entry
        booked = self.recorded.get(key, ())
        if nth < len(booked):
            return entry._replace(meta={**entry.meta, META_DUPLICATE: booked[nth]})
        return rewrite(deposit, self.match(deposit), self.config.discount_account)

    # -- the rules ------------------------------------------------------------

    def open_invoices(self, deposit: Deposit, account: str | None = None) -> list:
        """Invoices still owed after the ledger and this import, in the
        deposit's currency, issued on or before it, oldest first."""
        invoices = self.unpaid if account is None else self.index.invoices_for(account)
        return [
            inv
            for inv in invoices
            if inv.currency == deposit.amount.currency
            and inv.date <= deposit.txn.date
            and self.owed(inv, deposit) > 0
        ]

    def owed(self, invoice: Invoice, deposit: Deposit) -> Decimal:
        """What is left to pay of an invoice: not an early-payment discount
        the customer earned (it is to be booked, not paid)."""
        left = invoice.open - self.paid[id(invoice)]
        if left <= 0:
            return Decimal(0)
        day = deposit.txn.date
        key = (id(invoice), day)
        if key not in self.earned:
            self.earned[key] = bool(earned_discount(invoice, day, self.index.amounts))
        return Decimal(0) if self.earned[key] else left

    def match(self, deposit: Deposit) -> Outcome:
        outcome = self.by_id(deposit)
        if outcome is None:
            outcome = self.by_payee(deposit)
        if outcome is None:
            outcome = self.by_amount(deposit)
        if outcome.legs:
            self.consume(deposit, outcome)
        return outcome

    def payees(self, deposit: Deposit) -> list[str]:
        """The customer accounts the payee (else the narration) names."""
        txn = deposit.txn
        payer = _core(_words(txn.payee or txn.narration or ""), bank=True)
        return sorted(self.by_name.get(payer, ()))

    def by_id(self, deposit: Deposit) -> Outcome | None:
        """Rule 1: invoice ids named in the payee, narration or a memo."""
        named: dict[int, Invoice] = {}
        where: dict[int, str] = {}
        for place, text in texts(deposit.txn):
            for key, marked in _id_keys(text):
                if key.isdigit() and not marked:
                    continue  # "Check 1001": a number, not an invoice id
                found = self.by_key.get(key, [])
                if key.isdigit():  # "Invoice 1009": INV-1009 too
                    found = found + self.by_number.get(key, [])
                for invoice in found:
                    if invoice.currency == deposit.amount.currency:
                        named.setdefault(id(invoice), invoice)
                        where.setdefault(id(invoice), place)
        if not named:
            return None
        invoices = sorted(named.values(), key=lambda inv: (inv.date, inv.seq))
        open_ = [
            inv for inv in invoices
            if self.owed(inv, deposit) > 0 and inv.date <= deposit.txn.date
        ]  # fmt: skip
        place = where[id(invoices[0])]
        if not open_:
            # Say which, and whose: a paid invoice (booked already?), one
            # not issued by the deposit's date (a typo?).
            states = []
            for inv in invoices:
                whose = f"{inv.id} ({self.name(inv.account)})"
                if inv.date > deposit.txn.date:
                    states.append(f"{whose}, dated {inv.date}, after this deposit")
                else:
                    states.append(f"{whose}, paid already")
            payees = [a for a in self.payees(deposit) if a not in
                      {inv.account for inv in invoices}]  # fmt: skip
            payer = (
                f"; the payee is {' or '.join(self.name(a) for a in payees)}"
                if payees
                else ""
            )
            return _note(f"unmatched: the {place} names {'; '.join(states)}{payer}")
        place = where[id(open_[0])]
        ids = " and ".join(inv.id for inv in open_)
        whose = ", ".join(f"{inv.id} ({self.name(inv.account)})" for inv in open_)
        amount = deposit.amount.number
        owed = sum((self.owed(inv, deposit) for inv in open_), Decimal(0))
        accounts = sorted({inv.account for inv in open_})

        # The payee naming another customer: the id may be the customer's
        # own reference, or a typo. Not for the hook to decide.
        payees = self.payees(deposit)
        if payees and not set(payees) & set(accounts):
            who = " or ".join(self.name(a) for a in payees)
            return _note(
                f"ambiguous: the {place} names {whose}, but the payee is {who}"
            )
        how = f"{ids} by invoice id in the {place}"
        if len(accounts) == 1:
            (account,) = accounts
            discount = self.discount(open_, deposit, owed - amount)
            rest = amount + discount - owed
            if rest > 0 and account not in payees:
                # More than is owed, with only the id to say whose: a number
                # that looks like an id is likelier than an overpayment.
                return _note(
                    f"ambiguous: {_money(amount, deposit)} is more than the "
                    f"{_money(owed, deposit)} open on {whose}, named in the "
                    f"{place}, and the payee is not {self.name(account)}"
                )
            if rest < 0:
                paid, of = _money(amount, deposit), _money(owed, deposit)
                how += f" (part payment: {paid} of {of})"
            elif rest > 0:
                how += f" (pays {_money(rest, deposit)} more than is open)"
            elif discount:
                how += f" (less {_money(discount, deposit)} early-payment discount)"
            return Outcome(
                ((account, amount + discount),),
                frozenset(inv.id for inv in open_),
                discount,
                how,
            )
        # Several customers' invoices: only an exact payment says how to split.
        discount = self.discount(open_, deposit, owed - amount)
        if amount + discount != owed:
            return _note(
                f"ambiguous: names {whose}, which are owed "
                f"{_money(owed, deposit)} together, not {_money(amount, deposit)}"
            )
        legs = tuple(
            (
                acct,
                sum(
                    (self.owed(i, deposit) for i in open_ if i.account == acct),
                    Decimal(0),
                ),
            )
            for acct in accounts
        )
        if discount:
            how += f" (less {_money(discount, deposit)} early-payment discount)"
        return Outcome(legs, frozenset(inv.id for inv in open_), discount, how)

    def by_payee(self, deposit: Deposit) -> Outcome | None:
        """Rule 2: the payee names a customer; its invoice picked by amount."""
        accounts = self.payees(deposit)
        if not accounts:
            return None
        if len(accounts) > 1:
            who = " and ".join(self.name(a) for a in accounts)
            return _note(f"ambiguous: the payee could be {who}")
        (account,) = accounts
        name = self.name(account)
        refused = self.refuses(account, deposit.amount.currency)
        if refused:
            return _note(f"unmatched: payee is {name}, {refused}")
        candidates = self.candidates(deposit, account)
        if len(candidates) == 1:
            (found,) = candidates
            return _outcome(
                deposit, found, f"by payee {name} and amount ({found.kind})"
            )
        why = (
            "the amount fits several of its invoices equally"
            if candidates
            else f"no open invoice of it is {_money(deposit.amount.number, deposit)}"
        )
        return Outcome(
            ((account, deposit.amount.number),),
            frozenset(),
            Decimal(0),
            f"unapplied: payee is {name} but {why}; posted to its account "
            "with no invoice link",
        )

    def refuses(self, account: str, currency: str) -> str | None:
        """Why a customer's account cannot take `currency`, if it cannot."""
        opened = self.opens.get(account)
        allowed = opened.currencies if opened is not None else None
        if allowed:
            if currency in allowed:
                return None
            return f"whose account takes {', '.join(allowed)}, not {currency}"
        if any(inv.currency == currency for inv in self.index.invoices_for(account)):
            return None
        return f"who has no invoice in {currency}"

    def by_amount(self, deposit: Deposit) -> Outcome:
        """Rule 3 over every customer: exactly one candidate must fit."""
        candidates = self.candidates(deposit)
        if len(candidates) == 1:
            (found,) = candidates
            # "Ref 1009" while INV-1009 is open: the number may name it, and
            # the amount another invoice. Not for the hook to decide.
            others = [
                inv
                for inv in self.numbered(deposit)
                if all(inv is not f for f in found.invoices)
                and self.owed(inv, deposit) > 0
            ]
            if others:
                whose = ", ".join(f"{i.id} ({self.name(i.account)})" for i in others)
                return _note(
                    f"ambiguous: {_money(deposit.amount.number, deposit)} is "
                    f"{found.why}, but the text has the number of {whose}"
                )
            return _outcome(deposit, found, f"by amount ({found.kind})")
        money = _money(deposit.amount.number, deposit)
        if not candidates:
            return _note(f"unmatched: no open invoice or customer matches {money}")
        whats = " and ".join(c.why for c in candidates[:4])
        if len(candidates) > 4:
            whats += f" and {len(candidates) - 4} more"
        return _note(f"ambiguous: {money} is {whats}")

    def numbered(self, deposit: Deposit) -> list[Invoice]:
        """The invoices whose number a bare number in the texts is ("Ref
        1009" and INV-1009), in the deposit's currency."""
        found: dict[int, Invoice] = {}
        for _, text in texts(deposit.txn):
            for key, marked in _id_keys(text):
                if marked or not key.isdigit():
                    continue
                for inv in self.by_key.get(key, []) + self.by_number.get(key, []):
                    if inv.currency == deposit.amount.currency:
                        found.setdefault(id(inv), inv)
        return list(found.values())

    def candidates(
        self, deposit: Deposit, account: str | None = None
    ) -> list[Candidate]:
        """Rule 3: the invoices (or whole balances) the amount pays exactly."""
        amount = deposit.amount.number
        found: dict[tuple[Any, ...], Candidate] = {}
        by_account: dict[str, list[Invoice]] = defaultdict(list)

        def add(candidate: Candidate) -> None:
            ids = tuple(inv.id for inv in candidate.invoices)
            found.setdefault((candidate.account, ids), candidate)

        for inv in self.open_invoices(deposit, account):
            by_account[inv.account].append(inv)
            left = self.owed(inv, deposit)
            whose = f"{inv.id} ({self.name(inv.account)})"
            if left == amount:
                add(Candidate(inv.account, (inv,), Decimal(0), "its open amount",
                              f"the open amount of {whose}"))  # fmt: skip
            discount = self.discount([inv], deposit, left - amount)
            if discount:
                less = (
                    f"{_money(left, deposit)} less its {inv.terms.discount_pct}% "
                    f"early-payment discount, until {inv.discount_date}"
                )
                add(Candidate(inv.account, (inv,), discount, less,
                              f"{whose} {less}"))  # fmt: skip
        for acct, invoices in by_account.items():
            total = sum((self.owed(inv, deposit) for inv in invoices), Decimal(0))
            if len(invoices) > 1 and total == amount:
                whole = f"the whole open balance of {self.name(acct)}"
                add(Candidate(acct, tuple(invoices), Decimal(0),
                              "its whole open balance", whole))  # fmt: skip
        return list(found.values())

    def discount(
        self, invoices: Sequence[Invoice], deposit: Deposit, short: Decimal
    ) -> Decimal:
        """`short` if it is exactly the early-payment discount of `invoices`
        on the deposit's date (those with a discount and in its window, each
        rounded half up or down to the deposit's decimals), else zero."""
        if short <= 0:
            return Decimal(0)
        day = deposit.txn.date
        quantum = Decimal(1).scaleb(deposit.amount.number.as_tuple().exponent)
        up = down = Decimal(0)
        for inv in invoices:
            terms = inv.terms
            last = inv.discount_date
            if terms is None or terms.discount_pct is None or last is None:
                continue
            if day > last:
                continue  # too late: the full amount is owed
            exact = inv.amount_at(day) * terms.discount_pct / 100
            up += exact.quantize(quantum, rounding=ROUND_HALF_UP)
            down += exact.quantize(quantum, rounding=ROUND_DOWN)
        return short if short in (up, down) else Decimal(0)

    def consume(self, deposit: Deposit, outcome: Outcome) -> None:
        """Mark what a matched deposit pays, so the next one cannot pay it:
        the linked invoices first, the rest (under `fifo`) oldest first."""
        for account, credit in outcome.legs:
            invoices = self.open_invoices(deposit, account)
            linked = [inv for inv in invoices if inv.id in outcome.links]
            rest = [inv for inv in invoices if inv.id not in outcome.links]
            order = linked + (rest if self.config.matching == "fifo" else [])
            for inv in order:
                taken = min(credit, self.owed(inv, deposit))
                self.paid[id(inv)] += taken
                credit -= taken
                if credit <= 0:
                    break

    def name(self, account: str) -> str:
        customer = self.index.customers.get(account)
        return customer.name if customer else account


def texts(txn: data.Transaction) -> list[tuple[str, str]]:
    """Where invoice ids are looked for: (what it is, its text)."""
    found = [("payee", txn.payee), ("narration", txn.narration)]
    for posting in (None, *txn.postings):
        meta = txn.meta if posting is None else posting.meta
        for key, value in (meta or {}).items():
            if key not in SKIPPED_META and not key.startswith("__"):
                found.append((key, value))
    return [(place, text) for place, text in found if isinstance(text, str) and text]


def _money(number: Decimal, deposit: Deposit) -> str:
    return f"{number} {deposit.amount.currency}"


def _note(text: str) -> Outcome:
    return Outcome((), frozenset(), Decimal(0), text)


def _outcome(deposit: Deposit, found: Candidate, how: str) -> Outcome:
    ids = " and ".join(inv.id for inv in found.invoices)
    return Outcome(
        ((found.account, deposit.amount.number + found.discount),),
        frozenset(inv.id for inv in found.invoices),
        found.discount,
        f"{ids} {how}",
    )


def rewrite(
    deposit: Deposit, outcome: Outcome, discount_account: str
) -> data.Transaction:
    """The deposit with its note, and if matched its links and legs."""
    txn = deposit.txn
    meta = {**txn.meta, META_MATCH: outcome.note}
    if not outcome.legs:
        return txn._replace(meta=meta)
    currency = deposit.amount.currency
    postings = [p for i, p in enumerate(txn.postings) if i != deposit.placeholder]
    if outcome.discount:
        postings.append(
            data.Posting(discount_account, Amount(outcome.discount, currency),
                         None, None, None, None)
        )  # fmt: skip
    for account, credit in outcome.legs:
        postings.append(
            data.Posting(account, Amount(-credit, currency), None, None, None, None)
        )
    return txn._replace(
        meta=meta, links=frozenset(txn.links or ()) | outcome.links, postings=postings
    )
