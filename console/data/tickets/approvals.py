"""Approvals: asking agents to approve something on a ticket, and their decision (an
approved AMC exception lifts the expired-contract gate)."""

from __future__ import annotations

from sqlalchemy import insert, select

from console.data import history, inbox
from console.data.errors import BadValue, NotFound, Refused
from console.data.models import Agent, Approval, Ticket, approval_approvers
from console.data.records import TicketRecord
from console.data.tickets.frame import Frame, _Action
from console.data.workflow import Action, AmcState, Role, decision_refusal


class Approvals(Frame):
    """Requesting and deciding approvals."""

    async def request_approval(
        self,
        number: int,
        approvers: list[str],
        subject: str,
        *,
        details: str = "",
        amc_exception: bool = False,
        expected_version: int | None = None,
    ) -> TicketRecord:
        """Ask one or more agents to approve something on the ticket."""
        if not subject.strip():
            raise BadValue("An approval needs a subject.")
        if not approvers:
            raise BadValue("An approval needs at least one approver.")

        async def change(act: _Action) -> None:
            agents = [await self._assignee(act.session, name) for name in approvers]
            blind = [a.username for a in agents if not await self._sees(act, a.id)]
            if blind:
                raise BadValue(
                    f"{', '.join(blind)} cannot see #{number}; ask someone who works its "
                    "department or team, or a lead."
                )
            if amc_exception:
                if act.facts.amc_state is AmcState.EXCEPTION:
                    raise Refused(f"#{number} already has an approved AMC exception.")
                if act.facts.amc_state is not AmcState.EXPIRED:
                    raise Refused(
                        f"#{number} needs no AMC exception; its support contract is not expired."
                    )
                roles = dict(
                    (
                        await act.session.execute(
                            select(Agent.id, Agent.role).where(Agent.id.in_([a.id for a in agents]))
                        )
                    ).all()
                )
                plain = [a.username for a in agents if roles[a.id] == Role.AGENT.value]
                if plain:
                    raise BadValue(
                        "An AMC exception is approved by a lead or an admin; "
                        + ", ".join(plain)
                        + " is not one."
                    )
            if any(a.id == self.actor.id for a in agents):
                raise BadValue(
                    f"You ({self.actor.username}) cannot approve your own request; "
                    "name someone else."
                )
            approval = Approval(
                ticket_id=act.ticket.id,
                kind="amc_exception" if amc_exception else "general",
                requester_id=self.actor.id,
                subject=subject,
                details=details,
                state="pending",
                created_at=self.clock(),
            )
            act.session.add(approval)
            await act.session.flush()
            await act.session.execute(
                insert(approval_approvers),
                [
                    {"approval_id": approval.id, "agent_id": i}
                    for i in sorted({a.id for a in agents})
                ],
            )
            self._tell(
                act,
                [a.id for a in agents],
                inbox.APPROVAL,
                subject,
                approval_id=approval.id,
                body=details,
            )
            self._event(act, "approval", None, None, subject)

        return await self._run(number, Action.REQUEST_APPROVAL, expected_version, change)

    async def decide_approval(
        self, approval_id: int, approve: bool, *, comment: str | None = None
    ) -> TicketRecord:
        """Approve or reject a pending approval (its approvers only).

        Approving an AMC exception lifts the AMC gate on its ticket.
        """
        async with self.db.write() as session:
            approval = (
                await session.execute(select(Approval).where(Approval.id == approval_id))
            ).scalar_one_or_none()
            number = None
            if approval is not None:
                number = (
                    await session.execute(
                        select(Ticket.number).where(Ticket.id == approval.ticket_id)
                    )
                ).scalar_one()
            if approval is None or number is None:
                raise NotFound(f"No approval {approval_id}.")
            act = await self._begin(session, number, Action.REQUEST_APPROVAL, None)
            approver_ids = set(
                (
                    await session.execute(
                        select(approval_approvers.c.agent_id).where(
                            approval_approvers.c.approval_id == approval_id
                        )
                    )
                ).scalars()
            )
            if self.actor.id not in approver_ids:
                raise Refused(f"Approval {approval_id} on #{number} is not waiting on you.")
            if approval.state != "pending":
                raise Refused(f"Approval {approval_id} on #{number} is already {approval.state}.")
            why = decision_refusal(
                self.actor,
                approval_id,
                number,
                requester=await self._username(session, approval.requester_id) or "",
                amc_exception=approval.kind == "amc_exception",
            )
            if why:
                raise Refused(why)
            state = history.APPROVED if approve else history.REJECTED
            approval.state = state
            approval.decider_id = self.actor.id
            approval.decision_comment = comment or None
            approval.decided_at = self.clock()
            self._event(act, state, "approval", approval.subject, comment)
            if approve and approval.kind == "amc_exception":
                self._set(act, history.AMC, "amc_state", AmcState.EXCEPTION.value)
            await self._finish(act)
            return await self._answer(session, number)
