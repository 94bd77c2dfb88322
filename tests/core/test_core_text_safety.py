"""Catalogue text cleaned at the door: control characters, invalid code points and over-long values
are changed and counted, ids with control characters rejected; nothing of it reaches the records."""

import json
import unicodedata

from heritage_weaver.text_safety import CONTROLS_REMOVED, CUT, INVALID_REPLACED, clean, has_control, visible
from heritage_weaver.workspace import Workspace
from ingest import ingest_collections
from ingest.artifacts import DROPPED
from ingest.cleaning import CREDENTIALS
from tests.core.ingest_helpers import records_by_id


def test_clean_removes_controls_replaces_surrogates_and_composes():
    cleaned = clean("Tele\x1b]0;owned\x07phone \u202eevil\x00 cafe\u0301 \udfff")
    assert cleaned.text == "Tele]0;ownedphone evil café \ufffd"
    assert (cleaned.controls, cleaned.invalid, cleaned.cut) == (4, 1, False)
    assert cleaned.changes == [INVALID_REPLACED, CONTROLS_REMOVED]
    assert clean("tab\tand\nnewline stay").changes == []


def test_clean_cuts_at_the_last_sentence_within_the_cap():
    text = "First sentence. Second one! " + "x" * 50
    cleaned = clean(text, cap=40)
    assert cleaned.text == "First sentence. Second one!" and cleaned.cut and cleaned.changes == [CUT]
    assert clean("no stop at all " * 5, cap=20).text == "no stop at all no"
    assert clean("y" * 50, cap=20).text == "y" * 20
    assert clean("short.", cap=20).changes == []


def test_visible_escapes_what_clean_would_remove():
    assert visible("a\x1b[2Jb\u202ec\udfff\x9b") == "a\\x1b[2Jb\\u202ec\\udfff\\x9b"
    assert visible("plain [bold]text[/bold] é") == "plain [bold]text[/bold] é"
    assert has_control("x\x07") and has_control("\udfff") and not has_control("tab\tnew\nline")


def _hostile(tmp_path) -> Workspace:
    lines = [
        {"id": "h1", "name": "Key\x1b]0;pwned\x07 \u202eyek", "description": "A key.\x00 Made " + "long. " * 50},
        {
            "id": "h2\udfff",
            "name": "Lone \udfff surrogate",
            "images": ["http://example.org/a\x1b.jpg", "http://admin:secret@127.0.0.1:8089/api"],
        },
        {"id": "h3\x1b[2J", "name": "Escape in the id"},
        {"id": "h4", "name": "Plain", "category": "c\x1bat", "taxonomy": "t\x07ax"},
    ]
    (tmp_path / "hostile.jsonl").write_text(
        "\n".join(json.dumps(line, ensure_ascii=True) for line in lines), encoding="utf-8"
    )
    (tmp_path / "plain.csv").write_text("id,name\np1,Telephone\n", encoding="utf-8")
    (tmp_path / "study.toml").write_text(
        '[study]\nname = "t"\n[models]\nbase = "models/base"\n[ingest]\nmax_description = 100\n'
        '[[collections]]\nname = "h"\nformat = "jsonl"\npath = "hostile.jsonl"\n'
        'columns = {record_id = "id", name = "name", description = "description", images = "images", '
        'category = "category", taxonomy = "taxonomy"}\n'
        '[[collections]]\nname = "p"\nformat = "csv"\npath = "plain.csv"\ncolumns = {record_id = "id", name = "name"}\n'
    )
    return Workspace.open(tmp_path)


def test_hostile_records_are_cleaned_counted_or_rejected(tmp_path):
    result = ingest_collections(_hostile(tmp_path))
    counts = result.counts[0]
    assert (counts.rows, counts.accepted, counts.rejected) == (4, 3, 1)
    assert counts.values_read == counts.values_kept + counts.values_dropped
    records = records_by_id(result)
    assert set(records) == {"h:h1", "h:h2\ufffd", "h:h4", "p:p1"}  # both collections written
    assert records["h:h1"]["name"] == "Key]0;pwned yek"
    assert len(records["h:h1"]["description"]) <= 100 and records["h:h1"]["description"].endswith("long.")
    assert records["h:h2\ufffd"]["images"] == ["http://example.org/a.jpg", "http://127.0.0.1:8089/api"]
    assert (records["h:h4"]["category"], records["h:h4"]["taxonomy"]) == ("cat", "tax")
    for record in records.values():
        for value in record.values():
            texts = value if isinstance(value, list) else [value]
            assert not any(isinstance(t, str) and has_control(t) for t in texts), record
            assert all(unicodedata.is_normalized("NFC", t) for t in texts if isinstance(t, str))
    [reject] = result.rejects.to_pylist()
    assert reject["record_id"] == "h3\\x1b[2J" and reject["reason"].startswith("control characters in the record id")
    assert counts.changed == {
        "name": {"changed: " + CONTROLS_REMOVED: 1, "changed: " + INVALID_REPLACED: 1},
        "description": {"changed: " + CONTROLS_REMOVED: 1, "changed: " + CUT: 1},
        "record_id": {"changed: " + INVALID_REPLACED: 1},
        "images": {"changed: " + CONTROLS_REMOVED: 1, "changed: " + CREDENTIALS: 1},
        "category": {"changed: " + CONTROLS_REMOVED: 1},
        "taxonomy": {"changed: " + CONTROLS_REMOVED: 1},
    }
    assert counts.values_changed == 9
    shown = [
        row for row in DROPPED.read_table(Workspace.open(tmp_path)).to_pylist() if row["reason"].startswith("changed: ")
    ]
    assert len(shown) == 9 and not any(has_control(row["value"]) for row in shown)
    assert "Key\\x1b]0;pwned\\x07 \\u202eyek" in {row["value"] for row in shown}
    assert "http://127.0.0.1:8089/api" in {row["value"] for row in shown}
    assert not any("secret" in str(value) for row in shown for value in row.values())
