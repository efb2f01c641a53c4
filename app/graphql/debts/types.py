"""GraphQL output types of debts, built from the service's DebtView."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from app.domain import destinations
from app.domain.debts import ExpensiveDestination
from app.domain.destinations import expensive_destination_message
from app.domain.money import amount_text
from app.graphql.common import Error, ValidationError
from app.graphql.context import Info
from app.graphql.debts.history import DebtEventConnection
from app.graphql.enums import Civility, DebtStatus, DestinationTier, TimelineStartMode
from app.graphql.errors import bad_argument, unauthenticated
from app.services.debt_history import list_debt_events
from app.services.debts import DebtView
from app.services.pages import MAX_PAGE_SIZE, InvalidCursor, PageSizeOutOfRange


@strawberry.type(description="Where the debtor's phone rings and what a call there costs.")
class Destination:
    country: str = strawberry.field(
        description='ISO 3166-1 alpha-2 region of the phone number, e.g. "RE".'
    )
    tier: DestinationTier = strawberry.field(description="Price class of the destination.")
    credits_per_call: int | None = strawberry.field(
        description="Credits charged per call; null when the tier has no known price."
    )
    multiplier: float | None = strawberry.field(
        description="Cost relative to a mainland French call; null when unknown."
    )
    expensive: bool = strawberry.field(
        description="Whether creating the debt needs acceptExpensiveDestination: true."
    )

    @classmethod
    def of(cls, destination: destinations.Destination) -> Destination:
        return cls(
            country=destination.country,
            tier=DestinationTier[destination.tier.name],
            credits_per_call=destination.credits_per_call,
            multiplier=destination.multiplier,
            expensive=destination.expensive,
        )


EVENTS_PAGE_SIZE = 20


@strawberry.type(description="A debt registered for amicable collection.")
class Debt:
    id: strawberry.ID = strawberry.field(description="Opaque, non-enumerable identifier.")
    status: DebtStatus = strawberry.field(description="Collection status; PENDING on creation.")
    civility: Civility | None = strawberry.field(description="Form of address of the debtor.")
    firstname: str = strawberry.field(description="Debtor's first name.")
    lastname: str = strawberry.field(description="Debtor's last name.")
    phone: str | None = strawberry.field(description="Debtor's phone number, E.164.")
    email: str | None = strawberry.field(description="Debtor's email, domain lower-cased.")
    birthdate: dt.date | None = strawberry.field(description="Debtor's date of birth.")
    amount: Decimal = strawberry.field(description="Amount owed, exact.")
    amount_text: str = strawberry.field(
        description='Amount written with the currency\'s minor units: "1250.00", "1250" for JPY.'
    )
    currency: str = strawberry.field(description="ISO 4217 code, upper-case.")
    object: str | None = strawberry.field(description="What the debt is for.")
    internal_id: str | None = strawberry.field(
        description="The creditor's own reference; uniqueness is advised, not enforced."
    )
    invoice_reference: str | None = strawberry.field(description="Reference of the invoice.")
    debtor_reference: str | None = strawberry.field(
        description="The creditor's reference of the debtor."
    )
    invoice_date: dt.date | None = strawberry.field(description="Date of the invoice.")
    due_date: dt.date | None = strawberry.field(description="Date payment was due.")
    address: str | None = strawberry.field(description="Full postal address as one text.")
    street_address: str | None = strawberry.field(description="Street name.")
    street_number: str | None = strawberry.field(description="Number in the street.")
    postal_code: str | None = strawberry.field(description="Postal code.")
    city: str | None = strawberry.field(description="City.")
    country: str | None = strawberry.field(description="ISO 3166-1 alpha-2 country code.")
    iban: str | None = strawberry.field(description="Debtor's IBAN, compact and upper-case.")
    company: str | None = strawberry.field(
        description="Creditor the debt is collected for (collection agencies only)."
    )
    debtor_company: str | None = strawberry.field(description="Debtor's company, if any.")
    payment_link: str | None = strawberry.field(description="Where the debtor can pay.")
    metadata: JSON | None = strawberry.field(description="Free-form JSON object of the creditor.")
    timeline_id: strawberry.ID | None = strawberry.field(
        description="Collection timeline; null when none was given or the given one was ignored."
    )
    timeline_start_mode: TimelineStartMode | None = strawberry.field(
        description="How the timeline start was chosen; null without a timeline."
    )
    timeline_start_at: dt.datetime | None = strawberry.field(
        description="When collection starts, with the company's offset; null without a timeline."
    )
    destination: Destination | None = strawberry.field(
        description="Destination of calls to the phone number; null without a phone."
    )
    nb_reminders: int = strawberry.field(description="Reminders sent so far.")
    nb_answered: int = strawberry.field(description="Reminders the debtor answered.")
    followups_count: int = strawberry.field(description="Follow-up actions so far.")
    summary: str | None = strawberry.field(description="Summary of collection so far.")
    import_date: dt.datetime = strawberry.field(
        description="When the debt was registered, with the company's offset."
    )
    version: int = strawberry.field(
        description="1 on creation, +1 on every change; pass it as expectedVersion so that "
        "a change made meanwhile by someone else is refused instead of overwritten."
    )
    erased_at: dt.datetime | None = strawberry.field(
        description="When the debtor's personal data was erased (eraseDebt); null if never."
    )

    @strawberry.field(description="The debt's history, newest first.")
    async def events(
        self,
        info: Info,
        first: Annotated[
            int | None,
            strawberry.argument(description=f"Page size, 0 to {MAX_PAGE_SIZE}; null means 20."),
        ] = EVENTS_PAGE_SIZE,
        after: Annotated[
            str | None,
            strawberry.argument(description="endCursor of the previous page; omit for the first."),
        ] = None,
    ) -> DebtEventConnection:
        # The debt was already read for this caller (query or mutation): its history is the
        # caller's company's too, and the lookup below is scoped to that company anyway.
        caller = await info.context.caller()
        if caller is None:
            raise unauthenticated()
        async with info.context.runtime.sessions() as session:
            outcome = await list_debt_events(
                session,
                tenant=caller.tenant,
                debt_id=self.id,
                first=EVENTS_PAGE_SIZE if first is None else first,
                after=after,
            )
        if isinstance(outcome, PageSizeOutOfRange):
            raise bad_argument(
                "first",
                f"first must be between 0 and {outcome.maximum}, got {outcome.first}",
                maximum=outcome.maximum,
            )
        if isinstance(outcome, InvalidCursor):
            raise bad_argument("after", "after is not a cursor of this debt's events")
        return DebtEventConnection.of(outcome, caller.tenant.zone)

    @classmethod
    def of(cls, view: DebtView) -> Debt:
        debt = view.record
        mode, civility = debt.timeline_start_mode, debt.civility
        return cls(
            id=strawberry.ID(debt.public_id),
            status=DebtStatus[debt.status],
            civility=Civility[civility] if civility else None,
            firstname=debt.firstname,
            lastname=debt.lastname,
            phone=debt.phone,
            email=debt.email,
            birthdate=debt.birthdate,
            amount=debt.amount,
            amount_text=amount_text(debt.amount, debt.currency),
            currency=debt.currency,
            object=debt.object,
            internal_id=debt.internal_id,
            invoice_reference=debt.invoice_reference,
            debtor_reference=debt.debtor_reference,
            invoice_date=debt.invoice_date,
            due_date=debt.due_date,
            address=debt.address,
            street_address=debt.street_address,
            street_number=debt.street_number,
            postal_code=debt.postal_code,
            city=debt.city,
            country=debt.country,
            iban=debt.iban,
            company=debt.creditor,
            debtor_company=debt.debtor_company,
            payment_link=debt.payment_link,
            metadata=None if debt.metadata is None else JSON(debt.metadata),
            timeline_id=strawberry.ID(view.timeline_public_id) if view.timeline_public_id else None,
            timeline_start_mode=TimelineStartMode[mode] if mode else None,
            timeline_start_at=view.local(debt.timeline_start_at),
            destination=Destination.of(view.destination) if view.destination else None,
            nb_reminders=debt.nb_reminders,
            nb_answered=debt.nb_answered,
            followups_count=debt.followups_count,
            summary=debt.summary,
            import_date=debt.import_date.astimezone(view.zone),
            version=debt.version,
            erased_at=view.local(debt.erased_at),
        )


@strawberry.type(
    description="The debt is valid but calls to its phone number cost more than standard; "
    "nothing was written. Resend with acceptExpensiveDestination: true to proceed."
)
class ExpensiveDestinationError(Error):
    message: str = strawberry.field(description="Names the destination and its cost.")
    destination: Destination = strawberry.field(description="The expensive destination.")

    @classmethod
    def of(cls, refusal: ExpensiveDestination) -> ExpensiveDestinationError:
        return cls(
            message=expensive_destination_message(refusal.destination),
            destination=Destination.of(refusal.destination),
        )


CreateDebtResult = Annotated[
    Debt | ValidationError | ExpensiveDestinationError,
    strawberry.union(
        "CreateDebtResult",
        description="The created Debt, or why it was not created (nothing written then).",
    ),
]
