"""The shapes the Tollgate HTTP API exchanges with agents and workers, as typed dictionaries."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, TypedDict


class ApprovalView(TypedDict, total=False):
    id: str
    action_id: str
    status: str
    approvers: List[str]
    require: int
    digest: str
    deadline: Optional[str]
    decided_at: Optional[str]
    #: The deciding note: the reason of a denial, the feedback of a request for changes.
    resolution: Optional[str]
    votes: List[Dict[str, Any]]
    #: Where people decide.
    url: str


class GrantView(TypedDict):
    token: str
    digest: str
    expires_at: str
    used: bool


class OutcomeView(TypedDict, total=False):
    status: str
    detail: str
    compensation: Dict[str, Any]
    reported_at: str


class ActionView(TypedDict, total=False):
    """What the server answers about an action."""

    id: str
    agent: str
    action_type: Optional[str]
    environment: Optional[str]
    #: ALLOW, REVIEW, REQUIRE_APPROVAL or DENY.
    decision: str
    #: allowed, review, pending, approved, denied, changes_requested, timed_out, executed, failed, reversed, cancelled.
    status: str
    reasons: List[Dict[str, Any]]
    risk: Optional[str]
    policy_version: str
    digest: str
    revision_of: Optional[str]
    created_at: str
    decided_at: Optional[str]
    #: The action as stored (possibly modified by a person).
    action: Dict[str, Any]
    approval: ApprovalView
    #: The single-use execution grant, shown to the owning agent once the action is approved.
    grant: GrantView
    outcome: OutcomeView


class QuestionAnswer(TypedDict):
    choices: List[str]
    text: Optional[str]
    answered_by: Dict[str, Any]
    answered_at: str


class QuestionView(TypedDict, total=False):
    id: str
    #: pending, answered or expired.
    status: str
    agent: str
    question: str
    choices: Optional[List[str]]
    multiple: bool
    free_text: bool
    context: Dict[str, Any]
    urgency: str
    approvers: List[str]
    escalated: bool
    created_at: str
    deadline: Optional[str]
    answer: Optional[QuestionAnswer]


class Answered(TypedDict):
    """`ask()`'s answer: the person's answer, with the question's id."""

    question_id: str
    choices: List[str]
    text: Optional[str]
    answered_by: Dict[str, Any]
    answered_at: str


class Job(TypedDict, total=False):
    id: str
    capability: str
    step: str
    approval_id: Optional[str]
    action_id: str
    attempt: int
    lease_expires_at: str
    input: Dict[str, Any]
    #: The action as approved (possibly modified), and its digest.
    action: Dict[str, Any]
    digest: str
    #: Outputs of the workflow's steps already done, by step id.
    context: Dict[str, Any]
    #: For the step that executes the approved action: its single-use grant.
    grant: str
