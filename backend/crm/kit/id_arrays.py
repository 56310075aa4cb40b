"""Many record ids as ONE text parameter, cast to ``uuid[]`` by the server.

Handed to the driver as a list, a bulk change's ids (an import batch names 2,000 records) were
dumped one by one as a text array: a dumper call and a quoting regex per id. Joined here into the
same text they cost a fraction of that; the server parses the same array text as before.

Only where the cast runs once per statement, e.g. ``unnest(...)`` in a select list. Not in a
filter such as ``id = ANY(...)``: the cast of a parameter is not folded into a constant (array_in
is only stable), so it runs again for every row scanned (measured: 30 s against 9 ms for 2,000
ids among 20,000 contacts), and even computed once (a sub-select) the array is no constant, so
the server cannot hash it (178 ms). Filters bind a real ``uuid[]`` parameter.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Text, Uuid, bindparam, cast
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement


def uuid_array_text(ids: Iterable[uuid.UUID]) -> str:
    """``{hex,hex,...}``: PostgreSQL's text form of a ``uuid[]`` (32 hex digits read as a uuid)."""
    return "{" + ",".join([value.hex for value in ids]) + "}"


def uuid_array(name: str, ids: Iterable[uuid.UUID]) -> ColumnElement[Any]:
    """A bound ``uuid[]`` sent as one text value, for a select list (see the module's note)."""
    array: ARRAY[Any] = ARRAY(Uuid())
    return cast(bindparam(name, uuid_array_text(ids), type_=Text()), array)
