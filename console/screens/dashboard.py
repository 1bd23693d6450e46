"""The lead's dashboard (``g d`` or the palette): the figures of a period for a team or a
department, as charts and as tables that read under NO_COLOR and at 80x24.

Charts are Textual's Sparkline (tickets created and closed per day); every figure is also
a row of a table, and ``enter`` on a row opens the tickets behind it as a queue (a search
in the filter language) or, for a breach or an approval, the ticket itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Sparkline, Static

from console.context import InConsole
from console.data.figures import AGE_BANDS, Dashboard, Figures, Period
from console.keys import bindings, key_hint
from console.messages import OpenTicket, ShowSearch
from console.safe import clean
from console.screens.worker_errors import ReportsWorkerErrors
from console.widgets.footer import KeyFooter
from console.widgets.header import ConsoleHeader

#: The lengths of period ``r`` cycles through, in days.
RANGES: tuple[int, ...] = (7, 30, 90)


def duration(seconds: int | None) -> str:
    """Seconds as a person reads them: ``45m``, ``3h 20m``, ``2d 4h`` (``-`` for none)."""
    if seconds is None:
        return "-"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h"


def _quoted(name: str) -> str:
    return f'"{name}"' if " " in name else name


@dataclass(frozen=True)
class Narrowing:
    """What the dashboard is narrowed to: everything in view, a team or a department."""

    team: str | None = None
    department: str | None = None

    @property
    def label(self) -> str:
        if self.team:
            return f"team {self.team}"
        if self.department:
            return f"department {self.department}"
        return "everything you see"

    @property
    def filter(self) -> str:
        """The same narrowing in the filter language."""
        if self.team:
            return f"team:{_quoted(self.team)}"
        if self.department:
            return f"dept:{_quoted(self.department)}"
        return ""


class DashboardScreen(ReportsWorkerErrors, InConsole, Screen[None]):
    """The figures of a period, with keys to change it and what it is narrowed to."""

    BINDINGS = bindings("DashboardScreen")

    def __init__(self) -> None:
        super().__init__()
        self.days = RANGES[0]
        self.end: date | None = None
        self.choices: list[Narrowing] = [Narrowing()]
        self.choice = 0
        #: what ``enter`` on each table's row opens: a search (text, title) or a ticket
        self.targets: dict[str, list[tuple[str, str] | int | None]] = {}
        #: the backlog's columns as filter terms (stage first, total last: none)
        self.band_filters: list[str] = [
            "created:<1d",
            "created:>1d created:<3d",
            "created:>3d created:<7d",
            "created:>7d",
            "",
        ]

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        yield Static("", id="dash-title")
        with VerticalScroll(id="dash-body"):
            with Horizontal(id="dash-charts"):
                yield Static("created", classes="dash-chart-label")
                yield Sparkline([], id="dash-created")
                yield Static("closed", classes="dash-chart-label")
                yield Sparkline([], id="dash-closed")
            yield Static("Tickets per day", classes="dash-heading")
            yield DataTable(id="dash-days", cursor_type="row", zebra_stripes=False)
            yield Static("Backlog now, by stage and age", classes="dash-heading")
            yield DataTable(id="dash-backlog", cursor_type="cell")
            yield Static("SLA", classes="dash-heading")
            yield DataTable(id="dash-sla", cursor_type="row")
            yield Static("Agents", classes="dash-heading")
            yield DataTable(id="dash-agents", cursor_type="row")
            yield Static("Approvals pending", classes="dash-heading")
            yield DataTable(id="dash-approvals", cursor_type="row")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#dash-days", DataTable).focus()
        self.start()

    def figures(self) -> Figures:
        queries = self.ctx.queries
        return Figures(queries.db, queries.actor, clock=self.ctx.clock)

    def period(self) -> Period:
        end = self.end or self.ctx.clock().date()
        narrow = self.choices[self.choice]
        return Period.last_days(end, self.days, team=narrow.team, department=narrow.department)

    @work(exclusive=True, group="dashboard", exit_on_error=False)
    async def start(self) -> None:
        """Learn the teams and departments (a lead starts on its own team), then load."""
        teams, departments, own = await self.figures().choices()
        self.choices = [
            Narrowing(),
            *(Narrowing(team=t) for t in teams),
            *(Narrowing(department=d) for d in departments),
        ]
        if own and self.ctx.queries.actor.role.value == "lead":
            self.choice = self.choices.index(Narrowing(team=own))
        await self._load()

    @work(exclusive=True, group="dashboard", exit_on_error=False)
    async def reload(self) -> None:
        """Read every figure again."""
        await self._load()

    async def _load(self) -> None:
        period = self.period()
        board = await self.figures().dashboard(period)
        self.show(board)

    # -- what the screen shows ---------------------------------------------------------

    def show(self, board: Dashboard) -> None:
        period = board.period
        narrow = self.choices[self.choice]
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append(f" {period.start} to {period.end}", style="bold")
        title.append(f" ({self.days} days, UTC) · {clean(narrow.label, single_line=True)}")
        hints = (
            f" · {key_hint(self.app, 'dash.earlier')}/{key_hint(self.app, 'dash.later')} "
            f"move · {key_hint(self.app, 'dash.range')} length · "
            f"{key_hint(self.app, 'dash.narrow')} team/department"
        )
        title.append(hints, style="dim")
        self.query_one("#dash-title", Static).update(title)
        self.query_one("#dash-created", Sparkline).data = [d.created for d in board.days]
        self.query_one("#dash-closed", Sparkline).data = [d.closed for d in board.days]
        scope = narrow.filter
        self._days(board, scope)
        self._backlog(board, scope)
        self._sla(board, scope)
        self._agents(board)
        self._approvals(board)

    def _table(self, table_id: str, *columns: str) -> DataTable[str | Text]:
        table: DataTable[str | Text] = self.query_one(f"#{table_id}", DataTable)
        table.clear(columns=True)
        table.add_columns(*columns)
        self.targets[table_id] = []
        return table

    def _row(self, table_id: str, target: tuple[str, str] | int | None, *cells: str | Text) -> None:
        self.query_one(f"#{table_id}", DataTable).add_row(*cells)
        self.targets[table_id].append(target)

    def _days(self, board: Dashboard, scope: str) -> None:
        self._table("dash-days", "Day", "Created", "Closed")
        for day in board.days:
            search = f"created:{day.day} {scope}".strip()
            self._row(
                "dash-days",
                (search, f"created {day.day}"),
                str(day.day),
                str(day.created),
                str(day.closed),
            )
        self._row(
            "dash-days",
            None,
            "Total",
            str(sum(d.created for d in board.days)),
            str(sum(d.closed for d in board.days)),
        )

    def _backlog(self, board: Dashboard, scope: str) -> None:
        labels = [label for label, _upper in AGE_BANDS]
        self._table("dash-backlog", "Stage", *labels, "Total")
        for row in board.backlog:
            self._row(
                "dash-backlog",
                (f"status:{row.stage.lower()} {scope}".strip(), f"{row.stage} backlog"),
                row.stage,
                *(str(row.by_age[label]) for label in labels),
                str(row.total),
            )

    def _sla(self, board: Dashboard, scope: str) -> None:
        self._table("dash-sla", "Figure", "Value", "")
        self._row(
            "dash-sla",
            (f"overdue {scope}".strip(), "overdue now"),
            "Breaches in the period",
            str(board.breach_count),
            "enter: open tickets overdue now",
        )
        self._row(
            "dash-sla",
            (f"due:<4h {scope}".strip(), "due within 4 h"),
            "About to breach (4 h)",
            str(len(board.due_soon)),
            "",
        )
        for name, times in (
            ("First response", board.first_response),
            ("Resolution", board.resolution),
        ):
            self._row(
                "dash-sla",
                None,
                name,
                f"median {duration(times.median_s)}",
                f"p90 {duration(times.p90_s)} of {times.count}",
            )
        for breach in board.breaches:
            self._row(
                "dash-sla",
                breach.number,
                f"  breach #{breach.number}",
                breach.priority,
                clean(
                    f"due {breach.due_at:%m-%d %H:%M} {breach.owner or 'unassigned'}",
                    single_line=True,
                ),
            )

    def _agents(self, board: Dashboard) -> None:
        self._table(
            "dash-agents",
            "Agent",
            "Status",
            "Open N/S/I/R",
            "Closed",
            "1st resp",
            "Reopen",
            "Time b/n",
        )
        for a in board.agents:
            stages = "/".join(str(n) for n in a.open_by_stage.values())
            self._row(
                "dash-agents",
                (f"owner:{a.agent} -status:closed", f"{a.agent}'s open tickets"),
                clean(a.agent, single_line=True),
                a.availability,
                f"{a.open} {stages}",
                str(a.closed),
                duration(a.first_response_median_s),
                "-" if a.reopen_rate is None else f"{a.reopen_rate:.0%}",
                f"{a.billable_min}/{a.non_billable_min}m",
            )

    def _approvals(self, board: Dashboard) -> None:
        self._table("dash-approvals", "Ticket", "Waited", "Subject")
        for p in board.approvals:
            self._row(
                "dash-approvals",
                p.number,
                f"#{p.number}",
                duration(p.waited_s),
                clean(p.subject, single_line=True),
            )
        if not board.approvals:
            self._row("dash-approvals", None, "-", "-", "none waiting")

    # -- keys --------------------------------------------------------------------------

    def action_move(self, step: int) -> None:
        """Move the period by its own length."""
        end = self.end or self.ctx.clock().date()
        self.end = end + timedelta(days=step * self.days)
        self.reload()

    def action_cycle_range(self) -> None:
        self.days = RANGES[(RANGES.index(self.days) + 1) % len(RANGES)]
        self.reload()

    def action_cycle_narrow(self) -> None:
        self.choice = (self.choice + 1) % len(self.choices)
        self.reload()

    def action_back(self) -> None:
        self.dismiss()

    def action_refresh(self) -> None:
        self.reload()

    @on(DataTable.RowSelected)
    def row_chosen(self, event: DataTable.RowSelected) -> None:
        table_id = event.data_table.id or ""
        if table_id == "dash-backlog":
            return
        self._open(table_id, event.cursor_row, None)

    @on(DataTable.CellSelected)
    def cell_chosen(self, event: DataTable.CellSelected) -> None:
        if event.data_table.id == "dash-backlog":
            column = event.coordinate.column
            band = self.band_filters[column - 1] if column >= 1 else ""
            self._open("dash-backlog", event.coordinate.row, band)

    def _open(self, table_id: str, row: int, extra: str | None) -> None:
        targets = self.targets.get(table_id, [])
        target = targets[row] if 0 <= row < len(targets) else None
        if isinstance(target, int):
            self.post_message(OpenTicket(target))
        elif target is not None:
            text, title = target
            if extra:
                text, title = f"{extra} {text}", f"{title}, {extra}"
            self.ctx.broadcast(ShowSearch(text, title))
            self.dismiss()
