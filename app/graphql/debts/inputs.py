"""GraphQL input of createDebt and its conversion to the domain's DebtInput."""

from __future__ import annotations

from decimal import Decimal

import strawberry
from strawberry.scalars import JSON

from app.domain import debts, scheduling
from app.graphql.enums import Civility, TimelineStartMode
from app.graphql.input_building import planned_input


@planned_input
@strawberry.input(description="A debt to register. Strings are trimmed; blank means not given.")
class CreateDebtInput:
    firstname: str = strawberry.field(description="Required, at most 255 characters.")
    lastname: str = strawberry.field(description="Required, at most 255 characters.")
    civility: Civility | None = strawberry.field(default=None, description="MR or MS.")
    phone: str | None = strawberry.field(
        default=None,
        description="Phone or email is required. Read as French unless international "
        "(+33..., 0033...); stored as E.164.",
    )
    email: str | None = strawberry.field(
        default=None, description="Phone or email is required. Syntax checked, no DNS lookup."
    )
    # At run time a Decimal or the text as sent (see app/graphql/scalars.py): the domain's
    # amount rule reads it, so unreadable text is a field error like any other.
    amount: Decimal = strawberry.field(
        description="Greater than 0, below 10^12, at most the currency's minor units of decimals."
    )
    currency: str = strawberry.field(description="ISO 4217 code, e.g. EUR.")
    birthdate: str | None = strawberry.field(
        default=None, description="Strictly YYYY-MM-DD, not in the future."
    )
    object: str | None = strawberry.field(
        default=None, description="What the debt is for; at most 2,000 characters."
    )
    internal_id: str | None = strawberry.field(
        default=None, description="Your own reference; uniqueness advised, not enforced."
    )
    invoice_reference: str | None = strawberry.field(default=None, description="Invoice reference.")
    debtor_reference: str | None = strawberry.field(default=None, description="Debtor reference.")
    invoice_date: str | None = strawberry.field(default=None, description="Strictly YYYY-MM-DD.")
    due_date: str | None = strawberry.field(
        default=None, description="Strictly YYYY-MM-DD, not before invoiceDate."
    )
    address: str | None = strawberry.field(
        default=None, description="Full postal address; at most 2,000 characters."
    )
    street_address: str | None = strawberry.field(default=None, description="Street name.")
    street_number: str | None = strawberry.field(default=None, description="Number in the street.")
    postal_code: str | None = strawberry.field(default=None, description="Postal code.")
    city: str | None = strawberry.field(default=None, description="City.")
    country: str | None = strawberry.field(
        default=None, description="ISO 3166-1 alpha-2; also selects overseas phone reading."
    )
    iban: str | None = strawberry.field(default=None, description="IBAN, spaces allowed.")
    company: str | None = strawberry.field(
        default=None, description="Creditor collected on behalf of (collection agencies only)."
    )
    debtor_company: str | None = strawberry.field(default=None, description="Debtor's company.")
    payment_link: str | None = strawberry.field(
        default=None, description="Absolute http or https URL where the debtor can pay."
    )
    metadata: JSON | None = strawberry.field(
        default=None, description="A JSON object of at most 16 KiB."
    )
    timeline_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="One of your active timelines; any other value is silently ignored.",
    )
    timeline_start_mode: TimelineStartMode | None = strawberry.field(
        default=TimelineStartMode.IMMEDIATE,
        description="Used only with a valid timelineId.",
    )
    accept_expensive_destination: bool = strawberry.field(
        default=False,
        description="Acknowledge the higher cost of DOM-TOM, Maghreb and other "
        "international calls.",
    )

    def to_domain(self) -> debts.DebtInput:
        mode = self.timeline_start_mode
        return debts.DebtInput(
            firstname=self.firstname,
            lastname=self.lastname,
            civility=debts.Civility[self.civility.name] if self.civility else None,
            phone=self.phone,
            email=self.email,
            amount=self.amount,
            currency=self.currency,
            birthdate=self.birthdate,
            object=self.object,
            internal_id=self.internal_id,
            invoice_reference=self.invoice_reference,
            debtor_reference=self.debtor_reference,
            invoice_date=self.invoice_date,
            due_date=self.due_date,
            address=self.address,
            street_address=self.street_address,
            street_number=self.street_number,
            postal_code=self.postal_code,
            city=self.city,
            country=self.country,
            iban=self.iban,
            company=self.company,
            debtor_company=self.debtor_company,
            payment_link=self.payment_link,
            metadata=self.metadata,
            timeline_id=self.timeline_id,
            timeline_start_mode=scheduling.TimelineStartMode[mode.name] if mode else None,
            accept_expensive_destination=self.accept_expensive_destination,
        )
