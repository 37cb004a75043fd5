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
files and up to two folders above them). When no account is open below the
configured receivable roots, the hook warns on stderr and changes nothing.
"""

from __future__ import annotations

import functools
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from beancount.core import data
from beancount.core.amount import Amount
from beancount.parser import parser

from beancount_ar.config import Config, find_config, parse_config
from beancount_ar.matching import build_index
from beancount_ar.openitems import Customer, Index, Invoice

#: The note the hook leaves on every deposit it looked at.
META_MATCH = "ar-match"
#: beangulp's mark of a duplicate: the entry it duplicates.
META_DUPLICATE = "__duplicate__"
#: Last components of the accounts an importer posts what it cannot place to.
PLACEHOLDERS = frozenset(
    {"Unknown", "Uncategorized", "Uncategorised", "Suspense", "Unassigned", "Todo"}
)
#: Legal forms a bank may drop from a payer's name: "Gull Rock Brewing Co."
#: also matches "GULL ROCK BREWING".
LEGAL_FORMS = frozenset(
    {"co", "company", "inc", "llc", "ltd", "corp", "corporation", "plc", "gmbh",
     "sa", "sarl", "sas", "bv", "ag", "ab", "oy", "pty", "the"}
)  # fmt: skip
#: Metadata that is never searched for invoice ids.
SKIPPED_META = frozenset({"filename", "lineno", META_MATCH})

Extracted = list[tuple[str, list[data.Directive], str, Any]]


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
    if config is None:
        config = ledger_config(ledger)
    elif isinstance(config, str):
        config = parse_config(config)[0]
    matcher = Matcher(build_index(ledger, config), ledger)
    return [
        (filename, [matcher.entry(e, account) for e in entries], account, importer)
        for filename, entries, account, importer in extracted
    ]


_PLUGIN_LINE = re.compile(r'^plugin\s+"beancount_ar(?:\.plugin)?"')


def ledger_config(entries: Iterable[data.Directive]) -> Config:
    """The configuration on the ledger's `plugin "beancount_ar"` line, if any.

    beangulp passes the hook the entries, not the options, so the line is
    looked for in the ledger's files (those the entries were read from).
    """
    files = {(e.meta or {}).get("filename") for e in entries}
    for name in sorted(f for f in files if isinstance(f, str)):
        if not os.path.isfile(name):
            continue
        with open(name, encoding="utf-8", errors="replace") as file:
            for line in file:
                if _PLUGIN_LINE.match(line):
                    _, _, options = parser.parse_string(line)
                    return parse_config(find_config(options))[0]
    return parse_config(None)[0]


def _words(text: str) -> tuple[str, ...]:
    return tuple(re.sub(r"[^\w]+|_", " ", text.casefold()).split())


def _key(text: str) -> str:
    """An invoice id as a bank writes it: no case, no punctuation."""
    return "".join(_words(text))


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    n = len(needle)
    return n > 0 and any(
        haystack[i : i + n] == needle for i in range(len(haystack) - n + 1)
    )


class Deposit(NamedTuple):
    txn: data.Transaction
    bank: int  # index of the bank posting
    placeholder: int | None  # index of the leg to replace, if any
    amount: Amount


def deposit_of(entry: data.Directive, account: str) -> Deposit | None:
    """The deposit an imported entry is, if it is one the hook may place."""
    if type(entry) is not data.Transaction:
        return None
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


class Matcher:
    """Matches deposits one by one, remembering what each one paid."""

    def __init__(self, index: Index, ledger: Sequence[data.Directive]) -> None:
        self.index = index
        self.config = index.config
        self.ledger = ledger
        self.paid: dict[int, Decimal] = defaultdict(Decimal)  # id(invoice) -> paid
        self.by_key: dict[str, list[Invoice]] = defaultdict(list)
        self.unpaid = [inv for inv in index.invoices if inv.open > 0]
        for invoice in index.invoices:
            self.by_key[_key(invoice.id)].append(invoice)
        # Customers a payee may name: not the roots, not closed accounts.
        closed = {e.account for e in ledger if type(e) is data.Close}
        self.names = [
            (customer, names)
            for customer in index.customers.values()
            if customer.account not in closed
            and customer.account not in self.config.accounts
            and (names := _names(customer))
        ]

    @functools.cached_property
    def recorded(self) -> dict[tuple[Any, ...], data.Transaction]:
        """Transactions of the ledger by (date, account, amount, payee,
        narration) of each posting: how a deposit already booked is known."""
        found = {}
        for entry in self.ledger:
            if type(entry) is data.Transaction:
                for p in entry.postings:
                    if p.units is not None:
                        key = (entry.date, p.account, p.units, entry.payee,
                               entry.narration)  # fmt: skip
                        found.setdefault(key, entry)
        return found

    def entry(self, entry: data.Directive, account: str) -> data.Directive:
        """The entry with its deposit matched or noted; others as they are."""
        deposit = deposit_of(entry, account)
        if deposit is None or META_DUPLICATE in entry.meta:
            return entry
        txn = deposit.txn
        booked = self.recorded.get(
            (txn.date, account, deposit.amount, txn.payee, txn.narration)
        )
        if booked is not None:
            # Imported before (and placed, so beangulp's own comparison of
            # the accounts missed it): printed commented out, as a duplicate.
            return txn._replace(meta={**txn.meta, META_DUPLICATE: booked})
        return rewrite(deposit, self.match(deposit), self.config.discount_account)

    # -- the rules ------------------------------------------------------------

    def open_invoices(self, deposit: Deposit, account: str | None = None) -> list:
        """Invoices still open after the ledger and this import, in the
        deposit's currency, issued on or before it, oldest first."""
        invoices = self.unpaid if account is None else self.index.invoices_for(account)
        return [
            inv
            for inv in invoices
            if inv.currency == deposit.amount.currency
            and inv.date <= deposit.txn.date
            and self.left(inv) > 0
        ]

    def left(self, invoice: Invoice) -> Decimal:
        return invoice.open - self.paid[id(invoice)]

    def match(self, deposit: Deposit) -> Outcome:
        outcome = self.by_id(deposit)
        if outcome is None:
            outcome = self.by_payee(deposit)
        if outcome is None:
            outcome = self.by_amount(deposit)
        if outcome.legs:
            self.consume(deposit, outcome)
        return outcome

    def by_id(self, deposit: Deposit) -> Outcome | None:
        """Rule 1: invoice ids named in the payee, narration or a memo."""
        named: dict[int, Invoice] = {}
        where: dict[int, str] = {}
        for place, text in texts(deposit.txn):
            for word in re.findall(r"[\w][\w./#-]*", text):
                for invoice in self.by_key.get(_key(word), ()):
                    if invoice.currency == deposit.amount.currency:
                        named.setdefault(id(invoice), invoice)
                        where.setdefault(id(invoice), place)
        if not named:
            return None
        invoices = sorted(named.values(), key=lambda inv: (inv.date, inv.seq))
        open_ = [
            inv for inv in invoices
            if self.left(inv) > 0 and inv.date <= deposit.txn.date
        ]  # fmt: skip
        if not open_:
            ids = ", ".join(inv.id for inv in invoices)
            return _note(
                f"unmatched: {ids} named in the {where[id(invoices[0])]} "
                f"{'is' if len(invoices) == 1 else 'are'} paid already "
                "(or not issued by this date)"
            )
        ids = " and ".join(inv.id for inv in open_)
        how = f"{ids} by invoice id in the {where[id(open_[0])]}"
        amount = deposit.amount.number
        owed = sum((self.left(inv) for inv in open_), Decimal(0))
        accounts = sorted({inv.account for inv in open_})
        if len(accounts) == 1:
            discount = self.discount(open_, deposit, owed - amount)
            rest = amount + discount - owed
            if rest < 0:
                paid, of = _money(amount, deposit), _money(owed, deposit)
                how += f" (part payment: {paid} of {of})"
            elif rest > 0:
                how += f" (pays {_money(rest, deposit)} more than is open)"
            elif discount:
                how += f" (less {_money(discount, deposit)} early-payment discount)"
            return Outcome(
                ((accounts[0], amount + discount),),
                frozenset(inv.id for inv in open_),
                discount,
                how,
            )
        # Several customers' invoices: only an exact payment says how to split.
        discount = self.discount(open_, deposit, owed - amount)
        if amount + discount != owed:
            whose = ", ".join(f"{inv.id} ({self.name(inv.account)})" for inv in open_)
            return _note(
                f"ambiguous: names {whose}, which are owed "
                f"{_money(owed, deposit)} together, not {_money(amount, deposit)}"
            )
        legs = tuple(
            (acct, sum((self.left(i) for i in open_ if i.account == acct), Decimal(0)))
            for acct in accounts
        )
        if discount:
            how += f" (less {_money(discount, deposit)} early-payment discount)"
        return Outcome(legs, frozenset(inv.id for inv in open_), discount, how)

    def by_payee(self, deposit: Deposit) -> Outcome | None:
        """Rule 2: the payee names a customer; its invoice picked by amount."""
        txn = deposit.txn
        payer = _words(txn.payee or txn.narration or "")
        best: dict[str, int] = {}
        for customer, names in self.names:
            length = max((len(n) for n in names if _contains(payer, n)), default=0)
            if length:
                best[customer.account] = length
        if not best:
            return None
        top = max(best.values())
        accounts = sorted(a for a, n in best.items() if n == top)
        if len(accounts) > 1:
            who = " and ".join(self.name(a) for a in accounts)
            return _note(f"ambiguous: the payee could be {who}")
        account = accounts[0]
        name = self.name(account)
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

    def by_amount(self, deposit: Deposit) -> Outcome:
        """Rule 3 over every customer: exactly one candidate must fit."""
        candidates = self.candidates(deposit)
        if len(candidates) == 1:
            (found,) = candidates
            return _outcome(deposit, found, f"by amount ({found.kind})")
        money = _money(deposit.amount.number, deposit)
        if not candidates:
            return _note(f"unmatched: no open invoice or customer matches {money}")
        whats = " and ".join(c.why for c in candidates[:4])
        if len(candidates) > 4:
            whats += f" and {len(candidates) - 4} more"
        return _note(f"ambiguous: {money} is {whats}")

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
            left = self.left(inv)
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
            total = sum((self.left(inv) for inv in invoices), Decimal(0))
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
                taken = min(credit, self.left(inv))
                self.paid[id(inv)] += taken
                credit -= taken
                if credit <= 0:
                    break

    def name(self, account: str) -> str:
        customer = self.index.customers.get(account)
        return customer.name if customer else account


def _names(customer: Customer) -> list[tuple[str, ...]]:
    """The word sequences a payee may name a customer by."""
    names = []
    for text in (customer.name, *customer.aliases):
        words = _words(text)
        if words:
            names.append(words)
        while words and words[-1] in LEGAL_FORMS:
            words = words[:-1]
        if words and words not in names:
            names.append(words)
    return names


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
