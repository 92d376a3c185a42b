"""The job behind `replies take` and the take-replies flow: read the answers to meeting requests,
then invite or withdraw substitutes, then tell the secretary and the chair."""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable

from meetprep.config import Configs
from meetprep.errors import InputError
from meetprep.messages.invitations import plan_invitations
from meetprep.messages.ledger import DispatchReport, Outgoing, dispatch, transport_for
from meetprep.messages.replies import attendance, notices, take
from meetprep.model import MeetingState
from meetprep.steps import Step, direct
from meetprep.store import BodyRow, MeetingRow, Store


def take_replies(store: Store, configs: Configs, settings: Any, inbox: Any, clock: Callable[[], dt.datetime],
                 step: Step = direct) -> dict[str, Any]:
    """Take the replies; invite called-in substitutes (and withdraw released ones) with the
    invitations planner; tell the secretary and the chair. Every message exactly once."""
    with inbox as opened:
        report = step("read-replies", take, store, opened, clock())
    sent = step("send-substitutes", _follow_up, store, configs, settings, report.meetings, clock)
    sent.add(step("send-attendance-notices", _notify, store, configs, settings, report.meetings, clock))
    return {"replies": report.as_dict(), "messages": sent.report.as_dict(), "attendance": sent.attendance,
            "problems": sent.problems}


class _FollowUp:
    def __init__(self) -> None:
        self.report, self.attendance, self.problems = DispatchReport(), [], []

    def add(self, report: DispatchReport) -> None:
        self.report.add(report)


def _follow_up(store: Store, configs: Configs, settings: Any, meeting_ids: set[int],
               clock: Callable[[], dt.datetime]) -> _FollowUp:
    """The updates of each meeting whose replies changed (a substitute called in or released), and
    its attendance."""
    out = _FollowUp()
    with store.session() as session:
        meetings = [(session.get(BodyRow, m.body_id).key, m.organization.key, m.key, m.state)
                    for m in (session.get(MeetingRow, i) for i in sorted(meeting_ids))]
    for body, committee, meeting_key, meeting_state in meetings:
        config = configs.get(body)
        if config is None or meeting_state == MeetingState.cancelled.value:
            continue
        transport = transport_for(settings, config.body.mail, clock)
        try:
            planned = plan_invitations(store, configs, body, committee, clock(), meeting_key=meeting_key,
                                       only_announced=True, change_notices=False)
            out.add(dispatch(store, planned.messages, transport, clock))
        except InputError as exc:  # e.g. the agenda changed since: the timeline's next run sends it
            out.problems += [str(p) for p in exc.problems]
        out.attendance.append(attendance(store, configs, body, meeting_key))
    return out


def _notify(store: Store, configs: Configs, settings: Any, meeting_ids: set[int],
            clock: Callable[[], dt.datetime]) -> DispatchReport:
    """The secretary's and the chair's notices (quorum at risk, a substitute's answer)."""
    sent = DispatchReport()
    by_body: dict[str, list[Outgoing]] = {}
    for message in notices(store, configs, meeting_ids, clock()):
        by_body.setdefault(message.key.split("/")[0], []).append(message)
    for body, messages in by_body.items():
        sent.add(dispatch(store, messages, transport_for(settings, configs.get(body).body.mail, clock), clock))
    return sent
