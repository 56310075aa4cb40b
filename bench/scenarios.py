"""The measured requests, each with the SQL it needs: the baseline the API is compared against.

A scenario names an API request and the statements a lean implementation of it runs in
one transaction after the RLS ``set_config`` (page + custom values of the page + a total
capped at 10,001 rows, as issue 4 asks). The same statements run

- directly through psycopg (the SQL floor), and
- inside a bare FastAPI endpoint (``bare_app.py``: the framework floor),

so the API's figure is always read beside two floors measured in the same run.
A statement whose params contain ``ids`` receives the first column of the first
statement's rows (the page's record ids).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlencode

import seed_data as data

CONTACT_COLUMNS = (
    "c.id, c.first_name, c.last_name, c.job_title, c.company_id, c.company_name, c.lifecycle_stage,"
    " c.owner_id, c.emails, c.phones, c.date_of_birth, c.address, c.consent_email, c.consent_sms,"
    " c.consent_whatsapp, c.tags, c.version, c.created_at, c.updated_at, c.deleted_at"
)
CF_VALUES = (
    "SELECT v.record_id, v.field_id, v.value_text, v.value_number, v.value_date, v.value_bool,"
    " v.value_options, v.value_encrypted FROM custom_field_values v"
    " WHERE v.record_id = ANY(%(ids)s) AND v.field_id = ANY(%(fields)s)"
)
TOTAL_CAP = 10_001
SEARCH_CAP = 3_000  # crm.kit.query.SEARCH_CANDIDATE_CAP
SEARCH_TSQUERY = "(websearch_to_tsquery('simple', %(q)s)::text || ':*')::tsquery"  # a typed word as prefix


ORG_SEARCH = "(search_vector || array_to_tsvector(ARRAY['org:' || organization_id::text]))"  # migration 0024


def search_function_sql(table: str, function: str) -> str:
    """What ``search_match_ids`` / ``search_match_count`` (migration 0024) run as their owner, for
    EXPLAIN: a SECURITY DEFINER function is a black box in the plan of the statement calling it."""
    org_lexeme = "quote_literal('org:' || %(org)s)::tsquery"
    where = f"deleted_at IS NULL AND {ORG_SEARCH} @@ ({SEARCH_TSQUERY} && {org_lexeme})"
    if function == "search_match_count":
        return f"SELECT count(*) FROM (SELECT FROM {table} WHERE {where} LIMIT {TOTAL_CAP}) t"
    return f"SELECT id FROM {table} WHERE {where} LIMIT {SEARCH_CAP + 1}"


@dataclass
class Statement:
    name: str
    sql: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Scenario:
    name: str
    kind: str  # contacts_page | contact_one | board | dashboard
    api_method: str
    api_path: str  # OpenAPI path template, e.g. /api/v1/contacts/{contact_id}
    api_url: str  # the concrete URL requested
    statements: list[Statement]
    p50_budget_ms: float | None = None
    p95_budget_ms: float | None = None
    dashboard_keywords: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _capped_total(where_sql: str, params: dict[str, Any], from_sql: str = "contacts c") -> Statement:
    return Statement(
        "total_capped",
        f"SELECT count(*) FROM (SELECT 1 FROM {from_sql} WHERE {where_sql} LIMIT {TOTAL_CAP}) t",
        params,
    )


def _page(where_sql: str, order_sql: str, params: dict[str, Any], from_sql: str = "contacts c") -> Statement:
    return Statement(
        "page",
        f"SELECT {CONTACT_COLUMNS} FROM {from_sql} WHERE {where_sql} ORDER BY {order_sql} LIMIT 51",
        params,
    )


def _cf(org: dict[str, Any]) -> Statement:
    return Statement("custom_values", CF_VALUES, {"ids": None, "fields": list(org["field_ids"].values())})


def build(
    layout: dict[str, Any], common_surname: str, rare_surname: str, email: str, email_bidx: bytes
) -> list[Scenario]:
    org = layout["orgs"][0]
    o = {"org": org["id"]}
    fields = org["field_ids"]
    contact_id = data.ident(0, data.T_CONTACT, org["n_contacts"] // 3)
    pipeline = org["pipeline_id"]
    out: list[Scenario] = []

    def contacts_url(params: dict[str, str]) -> str:
        return "/api/v1/contacts?" + urlencode({"limit": "50", **params})

    # 1. standard field: filter on lifecycle stage, newest first
    where = "c.organization_id = %(org)s AND c.deleted_at IS NULL AND c.lifecycle_stage = %(stage)s"
    p = {**o, "stage": "customer"}
    out.append(
        Scenario(
            "contacts_list_standard",
            "contacts_page",
            "GET",
            "/api/v1/contacts",
            contacts_url({"lifecycle_stage": "customer", "sort": "-updated_at"}),
            [_page(where, "c.updated_at DESC, c.id DESC", p), _cf(org), _capped_total(where, p)],
            5,
            10,
        )
    )
    # 2. custom field: filter and sort on one number field (walks ix_cfv_number)
    cf_from = "custom_field_values v JOIN contacts c ON c.id = v.record_id"
    # value_float bounds the scan (float8 comparisons are leakproof, numeric ones are not: under
    # RLS only the former may bound an index scan); value_number decides exactly (migration 0029).
    value_where = (
        "v.organization_id = %(org)s AND v.field_id = %(field)s AND v.value_float >= %(min_float)s"
        " AND v.value_number >= %(min)s"
    )
    where = f"{value_where} AND c.organization_id = %(org)s AND c.deleted_at IS NULL"
    p = {**o, "field": fields["lifetime_value"], "min": 1000, "min_float": 1000.0}
    out.append(
        Scenario(
            "contacts_list_custom",
            "contacts_page",
            "GET",
            "/api/v1/contacts",
            contacts_url({"cf.lifetime_value__gte": "1000", "sort": "-cf.lifetime_value"}),
            [
                Statement(
                    "page",
                    f"SELECT {CONTACT_COLUMNS} FROM {cf_from} WHERE {where}"
                    " ORDER BY v.value_float DESC, v.value_number DESC, v.record_id DESC LIMIT 51",
                    p,
                ),
                _cf(org),
                # Counted on the field's live value rows alone (one per record), from its index.
                _capped_total(f"{value_where} AND v.record_live", p, "custom_field_values v"),
            ],
            5,
            10,
        )
    )
    # 3. custom text filter with a standard sort (record IN (values matching), like crm.customfield.values)
    where = (
        "c.organization_id = %(org)s AND c.deleted_at IS NULL AND c.id IN (SELECT v.record_id FROM"
        " custom_field_values v WHERE v.organization_id = %(org)s AND v.field_id = %(field)s"
        " AND v.value_text = %(value)s)"
    )
    p = {**o, "field": fields["referral_source"], "value": "Webinar"}
    live_values = (
        "v.organization_id = %(org)s AND v.field_id = %(field)s AND v.value_text = %(value)s"
        " AND v.record_live"
    )
    out.append(
        Scenario(
            "contacts_list_custom_filter_standard_sort",
            "contacts_page",
            "GET",
            "/api/v1/contacts",
            contacts_url({"cf.referral_source": "Webinar", "sort": "-updated_at"}),
            [
                _page(where, "c.updated_at DESC, c.id DESC", p),
                _cf(org),
                _capped_total(live_values, p, "custom_field_values v"),
            ],
            5,
            10,
        )
    )
    # 4. get one
    out.append(
        Scenario(
            "contacts_get",
            "contact_one",
            "GET",
            "/api/v1/contacts/{contact_id}",
            f"/api/v1/contacts/{_dashed(contact_id)}",
            [
                Statement(
                    "row",
                    f"SELECT {CONTACT_COLUMNS} FROM contacts c WHERE c.id = %(id)s AND c.deleted_at IS NULL",
                    {"id": contact_id},
                ),
                _cf(org),
            ],
            5,
            10,
        )
    )
    # 5. q search: full text, as the API builds it (websearch_to_tsquery, the last typed word as a
    # prefix). Under RLS `@@` cannot use the GIN index (not leakproof), so the lean SQL does what the
    # API does: a term with more than SEARCH_CANDIDATE_CAP matches (a common surname) walks the sort
    # index with the text filter; a rarer one reads the ids search_match_ids (migration 0024) finds
    # through the index, and counts them in the page statement.
    search_cap, tsq = SEARCH_CAP, SEARCH_TSQUERY
    common_where = f"c.organization_id = %(org)s AND c.deleted_at IS NULL AND c.search_vector @@ {tsq}"
    rare_where = (
        f"c.organization_id = %(org)s AND c.deleted_at IS NULL AND c.id = ANY(ARRAY("
        f"SELECT search_match_ids('contacts', {tsq}, {search_cap + 1}, true))) AND c.search_vector @@ {tsq}"
    )
    for label, term in (("common", common_surname), ("rare", rare_surname), ("prefix", rare_surname[:3])):
        p = {**o, "q": term}
        if label == "common":
            statements = [
                _page(common_where, "c.updated_at DESC, c.id DESC", p),
                _cf(org),
                # A lone term's total: search_match_count, from the organisation's search index.
                Statement("total_capped", f"SELECT search_match_count('contacts', {tsq}, {TOTAL_CAP})", p),
            ]
        else:
            page_with_total = Statement(
                "page",
                f"SELECT {CONTACT_COLUMNS}, count(*) OVER () FROM contacts c WHERE {rare_where}"
                " ORDER BY c.updated_at DESC, c.id DESC LIMIT 51",
                p,
            )
            statements = [page_with_total, _cf(org)]
        out.append(
            Scenario(
                f"contacts_search_q_{label}_name",
                "contacts_page",
                "GET",
                "/api/v1/contacts",
                contacts_url({"q": term}),
                statements,
                None,
                50,
            )
        )
    # exact e-mail through the blind index (the API's `email=` filter; the "exact search")
    ident_from = "contact_identifiers ci JOIN contacts c ON c.id = ci.contact_id"
    where = (
        "ci.organization_id = %(org)s AND ci.kind = 'email' AND ci.blind_index = %(bidx)s"
        " AND c.organization_id = %(org)s AND c.deleted_at IS NULL"
    )
    p = {**o, "bidx": email_bidx}
    out.append(
        Scenario(
            "contacts_search_email_exact",
            "contacts_page",
            "GET",
            "/api/v1/contacts",
            contacts_url({"email": email}),
            [
                _page(where, "c.updated_at DESC, c.id DESC", p, ident_from),
                _cf(org),
                _capped_total(where, p, ident_from),
            ],
            None,
            50,
        )
    )
    # 6. the board: per stage, the first 50 cards in rank order, plus count and amount per stage
    board_cols = (
        "d.id, d.name, d.amount, d.currency, d.stage_id, d.board_rank, d.probability,"
        " d.expected_close_date, d.company_id, d.owner_id, d.status, d.version, d.updated_at"
    )
    out.append(
        Scenario(
            "board",
            "board",
            "GET",
            "/api/v1/pipelines/{pipeline_id}/board",
            f"/api/v1/pipelines/{_dashed(pipeline)}/board?per_stage=50",
            [
                Statement(
                    "stages",
                    "SELECT id, name, position, probability, is_won, is_lost FROM stages"
                    " WHERE pipeline_id = %(pipeline)s ORDER BY position",
                    {"pipeline": pipeline},
                ),
                Statement(
                    "cards",
                    f"SELECT s.id AS stage, card.* FROM stages s CROSS JOIN LATERAL (SELECT {board_cols}"
                    " FROM deals d WHERE d.organization_id = %(org)s AND d.stage_id = s.id"
                    " AND d.deleted_at IS NULL ORDER BY d.board_rank, d.id LIMIT 51) card"
                    " WHERE s.pipeline_id = %(pipeline)s",
                    {**o, "pipeline": pipeline},
                ),
                Statement(
                    "stage_totals",  # from the stage rollup kept by triggers (ADR 0008)
                    "SELECT t.stage_id, t.currency, sum(t.deal_count), sum(t.amount_sum)"
                    " FROM deal_stage_totals t WHERE t.organization_id = %(org)s"
                    " AND t.pipeline_id = %(pipeline)s GROUP BY t.stage_id, t.currency",
                    {**o, "pipeline": pipeline},
                ),
            ],
            None,
            50,
        )
    )
    # 7. dashboards: the API's endpoints with their default periods (today = the data set's anchor);
    # sums come from the rollups kept by triggers (ADR 0008), ranges from covering indexes
    d = {**o, "pipeline": pipeline}
    dashboards = [
        (
            "dashboard_pipeline_by_stage",
            ("pipeline",),
            "SELECT s.id, s.name, s.position, s.probability, coalesce(t.n, 0), coalesce(t.amount, 0)"
            " FROM stages s"
            " LEFT JOIN (SELECT r.stage_id, sum(r.deal_count) AS n, sum(r.amount_sum) AS amount"
            " FROM deal_stage_totals r WHERE r.organization_id = %(org)s AND r.pipeline_id = %(pipeline)s"
            " AND r.status = 'open' GROUP BY r.stage_id) t ON t.stage_id = s.id"
            " WHERE s.pipeline_id = %(pipeline)s ORDER BY s.position",
        ),
        (
            "dashboard_win_rate",
            ("win",),
            "SELECT date_trunc('month', r.day::timestamp) AS period, sum(r.won_count), sum(r.lost_count),"
            " sum(r.won_amount) FROM deal_close_totals r WHERE r.organization_id = %(org)s"
            " AND r.day >= current_date - 365 AND r.day <= current_date GROUP BY 1 ORDER BY 1",
        ),
        (
            "dashboard_deals_closing",
            ("closing", "close"),
            "SELECT count(*), coalesce(sum(d.amount), 0),"
            " coalesce(sum(d.amount * coalesce(d.probability, 0) / 100.0), 0)"
            " FROM deals d WHERE d.organization_id = %(org)s AND d.status = 'open' AND d.deleted_at IS NULL"
            " AND d.expected_close_date >= date_trunc('month', current_date)::date"
            " AND d.expected_close_date < (date_trunc('month', current_date) + interval '1 month')::date",
        ),
        (
            "dashboard_activities_due",
            ("activit", "task", "due"),
            "SELECT sum(r.task_count) FILTER (WHERE r.day < current_date),"
            " sum(r.task_count) FILTER (WHERE r.day > current_date AND r.day < current_date + 7),"
            " sum(r.task_count) FILTER (WHERE r.day > current_date + 7),"
            " (SELECT count(*) FROM activities a WHERE a.organization_id = %(org)s AND a.kind = 'task'"
            " AND a.completed_at IS NULL AND a.deleted_at IS NULL"
            " AND a.due_at >= current_date::timestamptz AND a.due_at < (current_date + 1)::timestamptz),"
            " (SELECT count(*) FROM activities a WHERE a.organization_id = %(org)s AND a.kind = 'task'"
            " AND a.completed_at IS NULL AND a.deleted_at IS NULL"
            " AND a.due_at >= (current_date + 7)::timestamptz AND a.due_at < (current_date + 8)::timestamptz)"
            " FROM open_task_totals r WHERE r.organization_id = %(org)s"
            " AND r.day NOT IN (current_date, current_date + 7)",
        ),
        (
            "dashboard_top_accounts",
            ("account",),
            # Per (company, currency), as the API sums: amounts in different currencies never mix.
            "SELECT c.id, c.name, t.currency, t.won, t.n FROM (SELECT d.company_id, d.currency,"
            " sum(d.amount) AS won, count(*) AS n FROM deals d"
            " WHERE d.organization_id = %(org)s AND d.status = 'won' AND d.deleted_at IS NULL"
            " AND d.company_id IS NOT NULL AND d.closed_at >= (current_date - 365)::timestamptz"
            " AND d.closed_at < (current_date + 1)::timestamptz GROUP BY d.company_id, d.currency"
            " ORDER BY won DESC LIMIT 10) t JOIN companies c ON c.id = t.company_id ORDER BY t.won DESC",
        ),
        (
            "dashboard_new_leads_by_source",
            ("lead",),
            "SELECT r.source, sum(r.lead_count) FROM lead_source_totals r WHERE r.organization_id = %(org)s"
            " AND r.day >= current_date - 90 GROUP BY 1 ORDER BY 2 DESC",
        ),
    ]
    for name, keywords, sql in dashboards:
        out.append(
            Scenario(
                name, "dashboard", "GET", "", "", [Statement("aggregate", sql, dict(d))], None, 50, keywords
            )
        )
    return _with_page_only_variants(out)


def _with_page_only_variants(scenarios: list[Scenario]) -> list[Scenario]:
    """After each filtered list, the same list with ``count=false``: the page without its total,
    which separates the cost of the API from the cost of counting up to 10,001 matches."""
    out: list[Scenario] = []
    for s in scenarios:
        out.append(s)
        if s.kind == "contacts_page" and s.name.startswith("contacts_list_"):
            out.append(
                Scenario(
                    s.name + "_no_total",
                    s.kind,
                    s.api_method,
                    s.api_path,
                    s.api_url + "&count=false",
                    [st for st in s.statements if st.name != "total_capped"],
                    s.p50_budget_ms,
                    s.p95_budget_ms,
                )
            )
    return out


def _dashed(hex32: str) -> str:
    h = hex32.replace("-", "")
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def dump(scenarios: list[Scenario]) -> str:
    """JSON for the bare app (bytes params as hex)."""

    def enc(value: Any) -> Any:
        if isinstance(value, bytes):
            return {"$bytes": value.hex()}
        return value

    return json.dumps(
        [
            {
                **s.to_json(),
                "statements": [
                    {"name": st.name, "sql": st.sql, "params": {k: enc(v) for k, v in st.params.items()}}
                    for st in s.statements
                ],
            }
            for s in scenarios
        ]
    )


def load(text: str) -> list[Scenario]:
    def dec(value: Any) -> Any:
        if isinstance(value, dict) and "$bytes" in value:
            return bytes.fromhex(value["$bytes"])
        return value

    out = []
    for raw in json.loads(text):
        statements = [
            Statement(st["name"], st["sql"], {k: dec(v) for k, v in st["params"].items()})
            for st in raw.pop("statements")
        ]
        raw["dashboard_keywords"] = tuple(raw.get("dashboard_keywords") or ())
        out.append(Scenario(statements=statements, **raw))
    return out
