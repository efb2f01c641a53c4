"""The creditor's status transitions (SPEC section 11): a table of data, loaded once."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from app.domain.debts import DebtStatus

# In a row of the table: the status an ON_HOLD debt was paused from.
PAUSED_FROM = "PAUSED_FROM"
REASON_MAX = 500
# A debt put on hold without a remembered status (the workflow's own hold) resumes here.
_DEFAULT_PAUSED_FROM = DebtStatus.PENDING


@dataclass(frozen=True, slots=True)
class TransitionTable:
    """For each current status, the targets in the table's order (PAUSED_FROM kept as is)."""

    rows: dict[DebtStatus, tuple[DebtStatus | str, ...]]

    def allowed(self, current: DebtStatus, paused_from: DebtStatus | None) -> list[DebtStatus]:
        """Exactly the row of `current`, PAUSED_FROM replaced by the paused-from status."""
        targets: list[DebtStatus] = []
        for target in self.rows.get(current, ()):
            status = (paused_from or _DEFAULT_PAUSED_FROM) if target == PAUSED_FROM else target
            assert isinstance(status, DebtStatus)
            if status not in targets:
                targets.append(status)
        return targets


def parse_transition_table(text: str) -> TransitionTable:
    """Read a table in the layout of the packaged `data/status_transitions.toml`; a mistake
    raises ValueError naming it, so a typo stops the server at start."""
    rows = tomllib.loads(text).get("transitions")
    if not isinstance(rows, dict):
        raise ValueError("status transitions need a [transitions] table")
    table: dict[DebtStatus, tuple[DebtStatus | str, ...]] = {}
    for name, targets in rows.items():
        if name not in DebtStatus.__members__:
            raise ValueError(f"status transitions: unknown status {name!r}")
        if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
            raise ValueError(f"status transitions: {name} needs a list of statuses")
        parsed: list[DebtStatus | str] = []
        for target in targets:
            if target == PAUSED_FROM:
                parsed.append(PAUSED_FROM)
            elif target in DebtStatus.__members__:
                parsed.append(DebtStatus[target])
            else:
                raise ValueError(f"status transitions: {name} -> unknown status {target!r}")
        table[DebtStatus[name]] = tuple(parsed)
    return TransitionTable(table)


def load_transition_table(path: Path | None = None) -> TransitionTable:
    """The table at `path`, or the packaged default."""
    if path is None:
        text = (
            resources.files("app.domain")
            .joinpath("data/status_transitions.toml")
            .read_text("utf-8")
        )
    else:
        text = path.read_text("utf-8")
    return parse_transition_table(text)
