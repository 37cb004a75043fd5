"""Statements rendered from the templates: HTML, text and PDF, overrides,
escaping and template errors."""

from __future__ import annotations

import io
import pathlib
import shutil

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from beancount_ar import documents
from beancount_ar.cli import cli

EXAMPLE = pathlib.Path(__file__).parent.parent / "example-ledger"
LEDGER = str(EXAMPLE / "main.beancount")
TODAY = "2026-11-26"


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_open_item_statement_text_shows_every_open_invoice_and_the_total():
    result = run("statement", LEDGER, "Gull Rock", "--as-of", TODAY, "--format", "txt")
    assert result.exit_code == 0, result.output
    text = result.stdout
    for invoice, amount in [("INV-2026-079", "2,780.00"), ("INV-2026-092", "1,940.00"),
                            ("INV-2026-106", "2,615.00"), ("INV-2026-118", "1,480.00"),
                            ("INV-2026-123", "860.00")]:  # fmt: skip
        assert invoice in text and amount in text
    assert "Total due USD  9,675.00" in text
    # Within 80 columns, save a payment link, printed whole to stay usable.
    assert all(len(line) <= 80 or "https://" in line for line in text.splitlines())


def test_eur_statement_totals_in_euro():
    result = run("statement", LEDGER, "Kerlouan", "--as-of", TODAY, "--format", "txt")
    assert "4,550.00" in result.stdout and "EUR" in result.stdout
    assert "USD" not in result.stdout.split("HOW TO PAY")[0]


def test_activity_statement_runs_to_the_balance():
    result = run("statement", LEDGER, "Munjoy Hill Books", "--as-of", TODAY,
                 "--kind", "activity", "--from", "2026-09-01", "--format", "txt")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Opening balance" in result.stdout
    assert (
        "-1,000.00" in result.stdout.splitlines()[-0 or 30]
        or "-1,000.00" in result.stdout
    )


def test_pdf_statement_holds_the_amounts(tmp_path):
    out = tmp_path / "gullrock.pdf"
    result = run("statement", LEDGER, "GullRock", "--as-of", TODAY, "--format", "pdf",
                 "-o", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(out.read_bytes())).pages
    )
    assert "Gull Rock Brewing Co." in text
    assert "9,675.00" in text
    assert "Pay by ACH" in text


def test_all_writes_one_file_per_customer_with_a_balance(tmp_path):
    result = run("statement", LEDGER, "--all", "-o", str(tmp_path / "out"),
                 "--as-of", TODAY, "--format", "html")  # fmt: skip
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    # Thirteen customers owe (or are owed) something on the demo date.
    assert len(names) == 13
    assert f"GullRock-{TODAY}.html" in names
    assert f"CascoBayYoga-{TODAY}.html" not in names  # paid up


def test_pdf_needs_an_output_file():
    result = run("statement", LEDGER, "GullRock", "--format", "pdf")
    assert result.exit_code == 2


def test_html_escapes_what_comes_from_the_ledger(tmp_path):
    books = tmp_path / "books"
    shutil.copytree(EXAMPLE, books)
    accounts = books / "accounts.beancount"
    accounts.write_text(
        accounts.read_text().replace(
            '"Gull Rock Brewing Co."', '"<script>alert(1)</script>"'
        )
    )
    result = run(
        "statement", str(books / "main.beancount"), "GullRock", "--as-of", TODAY
    )
    assert result.exit_code == 0, result.output
    assert "<script>alert(1)</script>" not in result.stdout
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in result.stdout


def test_templates_export_copies_the_defaults_and_keeps_edits(tmp_path):
    folder = tmp_path / "mine"
    run("templates", "export", str(folder))
    assert sorted(p.name for p in folder.iterdir()) == sorted(documents.TEMPLATES)
    (folder / "statement.txt").write_text("edited")
    result = run("templates", "export", str(folder))
    assert "kept" in result.stdout
    assert (folder / "statement.txt").read_text() == "edited"


def test_a_user_template_overrides_only_its_own_file(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "statement.css").write_text("body { color: rebeccapurple; }\n")
    result = run(
        "statement", LEDGER, "GullRock", "--as-of", TODAY, "--templates", str(folder)
    )
    assert result.exit_code == 0, result.output
    assert "rebeccapurple" in result.stdout  # the user's CSS
    assert "INV-2026-079" in result.stdout  # in the default statement.html


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ customer.nmae }}\n", "statement.txt:1"),
        ("line one\n{% for x in %}\n", "statement.txt:2"),
    ],
)
def test_a_template_mistake_names_the_template_and_line(tmp_path, template, expected):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "statement.txt").write_text(template)
    result = run("statement", LEDGER, "GullRock", "--as-of", TODAY, "--format", "txt",
                 "--templates", str(folder))  # fmt: skip
    assert result.exit_code == 1
    assert "template error" in result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.output


# -- templates can format, nothing else -----------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ customer.meta.__class__.__init__.__globals__ }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    ],
)
def test_a_template_cannot_run_code(tmp_path, payload):
    (tmp_path / "statement.txt").write_text(payload)
    result = run("statement", LEDGER, "Gull Rock", "--as-of", TODAY, "--format", "txt",
                 "--templates", str(tmp_path))  # fmt: skip
    assert result.exit_code == 1
    assert "template error: " in result.stderr
    assert "unsafe" in result.stderr or "undefined" in result.stderr
    assert "uid=" not in result.output


def _png() -> bytes:
    import base64

    return base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGA"
        "hKmMIQAAAABJRU5ErkJggg=="
    )


def images_in(pdf: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_pdf_reads_files_of_the_templates_only(tmp_path):
    templates, elsewhere = tmp_path / "templates", tmp_path / "elsewhere"
    templates.mkdir()
    elsewhere.mkdir()
    (templates / "logo.png").write_bytes(_png())
    (elsewhere / "secret.png").write_bytes(_png())
    env = documents.environment(templates)
    inside = f'<img src="file://{templates / "logo.png"}" style="width:2cm">'
    outside = f'<img src="file://{elsewhere / "secret.png"}" style="width:2cm">'
    passwd = '<link rel="stylesheet" href="file:///etc/passwd">'
    assert images_in(documents.pdf(f"<p>{inside}</p>", env)) == 1
    assert images_in(documents.pdf(f"<p>{outside}{passwd}</p>", env)) == 0
    assert not documents.allowed("file:///etc/passwd", [templates])
    assert not documents.allowed("https://example.com/x.png", [templates])
    assert documents.allowed("data:image/png;base64,AAAA", [templates])
