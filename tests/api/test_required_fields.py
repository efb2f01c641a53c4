"""The required-field rules of createDebt, every problem reported at once, nothing written."""

from __future__ import annotations

from tests.utils.api import Api


async def test_every_required_field_problem_is_reported_at_once(api: Api) -> None:
    result = await api.create_debt(
        {"firstname": "  ", "lastname": "", "amount": "0", "currency": "EURO"}
    )

    assert result["__typename"] == "ValidationError"
    assert result["message"] == "Validation failed"
    assert [(f["field"], f["code"]) for f in result["fields"]] == [
        ("firstname", "REQUIRED"),
        ("lastname", "REQUIRED"),
        ("phone", "CONTACT_REQUIRED"),
        ("email", "CONTACT_REQUIRED"),
        ("amount", "INVALID_AMOUNT"),
        ("currency", "INVALID_CURRENCY"),
    ]
    assert all(f["message"] for f in result["fields"])
    assert await api.debt_count() == 0


async def test_an_invalid_phone_is_refused_even_with_a_valid_email(api: Api) -> None:
    result = await api.create_debt(
        {
            "firstname": "Jean",
            "lastname": "Dupont",
            "phone": "06123",
            "email": "jean@example.com",
            "amount": "10",
            "currency": "EUR",
        }
    )
    assert result["__typename"] == "ValidationError"
    assert result["fields"] == [
        {"field": "phone", "code": "PHONE_TOO_SHORT", "message": "phone number too short"}
    ]
    assert await api.debt_count() == 0


async def test_status_is_always_pending_and_cannot_be_set(api: Api) -> None:
    body = await api.gql(
        """mutation { createDebt(input: {firstname: "A", lastname: "B", email: "a@b.fr",
           amount: "1", currency: "EUR", status: PAID}) { __typename } }"""
    )
    assert "data" not in body
    assert "status" in body["errors"][0]["message"]
    assert await api.debt_count() == 0
