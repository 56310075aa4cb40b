"""Which columns hold ciphertext, so key rotation can find every value it must re-encrypt.

Register a column next to its model (``crm/models/<family>.py``): the models package is
imported by every process, workers included, so the rotation job always sees the full
list. This module imports nothing from the models, so models can import it.

- ``register_encrypted_column``: tenant PII encrypted with the organisation's data key
  (``OrgCipher``); the table has ``organization_id``. By default the value is bound to
  ``(table, column, id)``; tables with composite keys say which column is the row id, and
  how the "column" bound into the associated data is named (see the custom field values).
- ``register_sealed_column``: a global secret sealed with ``seal_global`` (e.g. a TOTP
  secret); rotating the master key reseals these as the owner role.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _identifier(name: str, what: str) -> str:
    # Names are interpolated into SQL by the rotation job: only plain identifiers pass.
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"{what} {name!r} is not a plain lowercase SQL identifier")
    return name


AadColumn = Callable[[Mapping[str, Any]], str]


@dataclass(frozen=True)
class EncryptedColumn:
    table: str
    column: str
    blind_index_column: str | None = None
    blind_index_purpose: str | None = None
    id_column: str = "id"
    key_columns: tuple[str, ...] = ("id",)
    aad_column: AadColumn | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.table, self.column)

    def aad_column_of(self, keys: Mapping[str, Any]) -> str:
        """The "column" a row's value was encrypted with (given the row's key columns)."""
        return self.column if self.aad_column is None else self.aad_column(keys)


@dataclass(frozen=True)
class SealedColumn:
    table: str
    column: str
    aad: Callable[[uuid.UUID], bytes]
    id_column: str = "id"


class ColumnRegistry:
    def __init__(self) -> None:
        self._encrypted: dict[tuple[str, str], EncryptedColumn] = {}
        self._sealed: dict[tuple[str, str], SealedColumn] = {}

    def register(
        self,
        table: str,
        column: str,
        blind_index_column: str | None = None,
        *,
        blind_index_purpose: str | None = None,
        id_column: str = "id",
        key_columns: tuple[str, ...] | None = None,
        aad_column: AadColumn | None = None,
    ) -> EncryptedColumn:
        keys = tuple(_identifier(name, "column") for name in (key_columns or (id_column,)))
        if id_column not in keys:
            raise ValueError("the row id column must be one of the key columns")
        spec = EncryptedColumn(
            table=_identifier(table, "table"),
            column=_identifier(column, "column"),
            blind_index_column=_identifier(blind_index_column, "column") if blind_index_column else None,
            blind_index_purpose=(blind_index_purpose or column) if blind_index_column else None,
            id_column=_identifier(id_column, "column"),
            key_columns=keys,
            aad_column=aad_column,
        )
        existing = self._encrypted.get(spec.key)
        if existing is not None and existing != spec:
            raise ValueError(f"{table}.{column} is already registered differently")
        self._encrypted[spec.key] = spec
        return spec

    def register_sealed(
        self, table: str, column: str, aad: Callable[[uuid.UUID], bytes], *, id_column: str = "id"
    ) -> SealedColumn:
        spec = SealedColumn(
            _identifier(table, "table"), _identifier(column, "column"), aad, _identifier(id_column, "column")
        )
        self._sealed[(table, column)] = spec
        return spec

    def unregister(self, table: str, column: str) -> None:
        self._encrypted.pop((table, column), None)
        self._sealed.pop((table, column), None)

    def encrypted(self) -> list[EncryptedColumn]:
        return sorted(self._encrypted.values(), key=lambda spec: spec.key)

    def sealed(self) -> list[SealedColumn]:
        return sorted(self._sealed.values(), key=lambda spec: (spec.table, spec.column))


ENCRYPTED_COLUMNS = ColumnRegistry()


def register_encrypted_column(
    table: str,
    column: str,
    blind_index_column: str | None = None,
    *,
    blind_index_purpose: str | None = None,
    id_column: str = "id",
    key_columns: tuple[str, ...] | None = None,
    aad_column: AadColumn | None = None,
) -> EncryptedColumn:
    """Declare ``table.column`` as holding ``OrgCipher.encrypt(value, table, column, row[id_column])``.

    - ``blind_index_column``: where the value's ``blind_index(value, purpose)`` lives (the purpose
      defaults to the column name: "email", "phone"). Listed by ``crm keys status``; rotation
      leaves it alone, since the blind-index key does not rotate with the data key.
    - ``key_columns``: the primary key (default: ``id_column``), which rotation pages through.
    - ``aad_column``: when values were encrypted with another "column" than the column's name,
      computes it from the row's key columns, e.g. ``lambda key: f"cf:{key['field_id']}"``.
    """
    return ENCRYPTED_COLUMNS.register(
        table,
        column,
        blind_index_column,
        blind_index_purpose=blind_index_purpose,
        id_column=id_column,
        key_columns=key_columns,
        aad_column=aad_column,
    )


def register_sealed_column(
    table: str, column: str, aad: Callable[[uuid.UUID], bytes], *, id_column: str = "id"
) -> SealedColumn:
    """Declare ``table.column`` as sealed with ``seal_global(value, aad(row_id))``."""
    return ENCRYPTED_COLUMNS.register_sealed(table, column, aad, id_column=id_column)
