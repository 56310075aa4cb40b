"""The OpenAPI document describes every /api/v1 operation with an example (issue 4), and every
example a model declares is one the model accepts, so the document never shows a payload the API
would refuse."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from pydantic import BaseModel, TypeAdapter

from crm.app import create_app
from crm.core.config import Settings
from crm.kit.examples import declared_examples


@pytest.fixture(scope="module")
def app_routes(settings: Settings) -> tuple[dict[str, Any], list[APIRoute]]:
    app = create_app(settings)
    routes = [r for r in app.routes if isinstance(r, APIRoute) and r.path.startswith("/api/v1")]
    return app.openapi(), routes


def _has_example(node: Any, schemas: dict[str, Any], seen: set[str]) -> bool:
    """True when the schema (or anything it references, followed through $ref) carries an example."""
    if isinstance(node, list):
        return any(_has_example(item, schemas, seen) for item in node)
    if not isinstance(node, dict):
        return False
    if "example" in node or "examples" in node:
        return True
    ref = node.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        if name in seen:
            return False
        seen.add(name)
        return _has_example(schemas[name], schemas, seen)
    return any(_has_example(value, schemas, seen) for value in node.values())


def _operation_is_described(operation: dict[str, Any], schemas: dict[str, Any]) -> bool:
    body = operation.get("requestBody")
    if body and _has_example(body.get("content", {}), schemas, set()):
        return True
    success = {code: r for code, r in operation.get("responses", {}).items() if code.startswith("2")}
    if any(_has_example(r.get("content", {}), schemas, set()) for r in success.values()):
        return True
    # 204 and redirects carry no body: nothing to exemplify, the status says it all.
    return not any(r.get("content") for r in success.values()) and not body


def test_every_operation_has_an_example(app_routes: tuple[dict[str, Any], list[APIRoute]]) -> None:
    document, _ = app_routes
    schemas = document["components"]["schemas"]
    undescribed = [
        f"{method.upper()} {path}"
        for path, operations in document["paths"].items()
        if path.startswith("/api/v1")
        for method, operation in operations.items()
        if not _operation_is_described(operation, schemas)
    ]
    assert not undescribed, "operations without an example:\n" + "\n".join(undescribed)


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in typing.get_args(annotation):
        yield from _models_in(arg)


def _reachable_models(routes: list[APIRoute]) -> list[type[BaseModel]]:
    pending: list[type[BaseModel]] = []
    for route in routes:
        pending.extend(_models_in(route.response_model))
        if route.body_field is not None:
            pending.extend(_models_in(route.body_field.field_info.annotation))
    found: dict[type[BaseModel], None] = {}
    while pending:
        model = pending.pop()
        if model in found:
            continue
        found[model] = None
        for field in model.model_fields.values():
            pending.extend(_models_in(field.annotation))
    return list(found)


def test_every_model_declares_an_example(app_routes: tuple[dict[str, Any], list[APIRoute]]) -> None:
    _, routes = app_routes
    bare = [
        f"{model.__module__}.{model.__qualname__}"
        for model in _reachable_models(routes)
        if not declared_examples(model)
    ]
    assert not bare, "request/response models without an example:\n" + "\n".join(bare)


def test_declared_examples_validate(app_routes: tuple[dict[str, Any], list[APIRoute]]) -> None:
    _, routes = app_routes
    for model in _reachable_models(routes):
        for example in declared_examples(model):
            try:
                model.model_validate(example)
            except Exception as error:
                raise AssertionError(f"{model.__qualname__}: its example does not validate") from error
        for name, field in model.model_fields.items():
            annotated = (
                typing.Annotated[field.annotation, *field.metadata] if field.metadata else field.annotation
            )
            for example in field.examples or []:
                try:
                    TypeAdapter(annotated).validate_python(example)
                except Exception as error:  # name the field: the traceback alone does not
                    raise AssertionError(f"{model.__qualname__}.{name}: example {example!r}") from error


def test_reachable_models_are_found(app_routes: tuple[dict[str, Any], list[APIRoute]]) -> None:
    _, routes = app_routes
    names = {model.__name__ for model in _reachable_models(routes)}
    # Nested models count too: Address only appears inside contacts.
    assert {"ContactOut", "ContactCreate", "Address", "BulkResponse"} <= names
