"""A batch's records are parsed by one CSV reader; any doubt sends the batch back to one reader per record."""

from __future__ import annotations

from crm.dataio import csvfile


def test_one_reader_parses_a_batch_as_record_by_record_would() -> None:
    records = [
        "Ada,ada@example.org,London",
        '"Acme, ""Quoted""\nLtd",x@example.org,"two\nlines"',
        ";,|",
        '"",,',
    ]
    assert csvfile.parse_many(records, ",") == [csvfile.parse(record, ",") for record in records]


def test_a_record_the_reader_disagrees_with_sends_the_batch_back() -> None:
    assert csvfile.parse_many(["Ada,ok", '"Bad"quote,x'], ",") is None  # strict: csv.Error
    assert csvfile.parse_many([], ",") == []
