"""The vocabulary of effects: one immutable type per effect, helpers and the NoteWriter.

Investigations return these; only the executor carries them out.
"""

from cad.actions.backplane import BackplaneReport
from cad.actions.base import (
    Action,
    ActionTarget,
    EffectMetric,
    Lane,
    TargetUnavailableError,
    action_class,
    action_classes,
)
from cad.actions.codec import (
    action_from_dict,
    action_from_json,
    action_to_dict,
    action_to_json,
    actions_from_json,
    actions_to_json,
)
from cad.actions.etcd import EtcdSnapshot
from cad.actions.helpers import (
    TITLE_PREFIX,
    escalate,
    limited_support,
    note,
    note_and_report_from,
    note_from,
    service_log,
    silence,
    title_prefix,
)
from cad.actions.jobs import JobFailedError, RunJob
from cad.actions.kubernetes import AnnotateObject
from cad.actions.mustgather import CollectMustGather
from cad.actions.notes import Amendment, NoteWriter
from cad.actions.ocm import SEVERITIES, LimitedSupport, ServiceLog
from cad.actions.pagerduty import (
    EscalateIncident,
    MoveToOrgPolicy,
    PagerDutyNote,
    SilenceIncident,
    TitleUpdate,
)
from cad.actions.sftp import SftpUpload

__all__ = [
    "SEVERITIES",
    "TITLE_PREFIX",
    "Action",
    "ActionTarget",
    "Amendment",
    "AnnotateObject",
    "BackplaneReport",
    "CollectMustGather",
    "EffectMetric",
    "EscalateIncident",
    "EtcdSnapshot",
    "JobFailedError",
    "Lane",
    "LimitedSupport",
    "MoveToOrgPolicy",
    "NoteWriter",
    "PagerDutyNote",
    "RunJob",
    "ServiceLog",
    "SftpUpload",
    "SilenceIncident",
    "TargetUnavailableError",
    "TitleUpdate",
    "action_class",
    "action_classes",
    "action_from_dict",
    "action_from_json",
    "action_to_dict",
    "action_to_json",
    "actions_from_json",
    "actions_to_json",
    "escalate",
    "limited_support",
    "note",
    "note_and_report_from",
    "note_from",
    "service_log",
    "silence",
    "title_prefix",
]
