"""describenodes: describe some or all of a cluster's nodes (manual runs only). The full
descriptions go to a backplane report; the PagerDuty note carries them only while they fit,
else a bounded summary that says where the rest is."""

from __future__ import annotations

from pydantic import ValidationError

from cad.actions import Action, BackplaneReport, NoteWriter, note, note_from
from cad.clients.kube import KINDS
from cad.errors import ClientError, NotFoundError
from cad.investigations.describenodes.checks import (
    HCP_MASTER_SKIPPED,
    HCP_WARNING,
    NO_NODES,
    NOTE_BUDGET,
    ROLE_SELECTORS,
    InvalidSelectorError,
    Selection,
    bounded,
    parse_selector,
    selection_from_params,
)
from cad.investigations.describenodes.describe import describe_node, summary_line
from cad.investigations.describenodes.models import Node
from cad.investigations.describenodes.related import RelatedReader
from cad.investigations.framework.base import Investigation, Result
from cad.investigations.framework.errors import (
    InfrastructureError,
    KubeClientError,
    RestConfigError,
    cluster_access_message,
)
from cad.investigations.framework.readers import KubeRead
from cad.investigations.framework.resources import Resources

SEPARATOR = "\n---\n\n"
ERRORS_BUDGET = 4_000


class DescribeNodes(Investigation):
    """Describes the nodes the parameters select; a report and a note, never a handover."""

    name = "describenodes"
    aliases = ("describe-nodes",)
    description = "Describe nodes (NODES, SELECTOR or MASTER/INFRA/WORKER; default all)"

    def run(self, resources: Resources) -> Result:
        try:
            kube = resources.kube
        except (RestConfigError, KubeClientError) as error:
            return Result(actions=[note(cluster_access_message(error) or str(error))])
        cluster = resources.cluster
        notes = resources.notes()
        if cluster.hcp:
            notes.warning(HCP_WARNING)
        selection = selection_from_params(resources.params)
        try:
            nodes = _select(kube, selection, cluster.hcp, notes)
        except InvalidSelectorError as exc:
            notes.warning(f"Invalid SELECTOR {selection.selector!r}: {exc}. No node was described")
            return Result(actions=self._deliver(resources, notes, notes))
        if not nodes:
            notes.warning(NO_NODES)
            return Result(actions=self._deliver(resources, notes, notes))
        return Result(actions=self._describe(resources, kube, nodes, notes))

    def _describe(
        self, resources: Resources, kube: KubeRead, nodes: list[Node], notes: NoteWriter
    ) -> list[Action]:
        """Describe every node; the note gets the descriptions while they fit, else a
        summary line per node (bounded) and the report keeps everything."""
        now = resources.now()
        reader = RelatedReader(kube, node_count=len(nodes))
        descriptions, summaries, errors = [], [], []
        for node in nodes:
            try:
                related = reader.for_node(node.name)
            except ClientError as exc:
                errors.append(f"failed to describe node {node.name}: {exc}")
                continue
            descriptions.append(
                describe_node(node, related.pods, related.events, related.lease, now)
            )
            summaries.append(summary_line(node, related.pods, related.events))
        notes.success(f"Described {len(descriptions)}/{len(nodes)} nodes")
        for problem in bounded(errors, ERRORS_BUDGET, "errors"):
            notes.warning(problem)
        # Built with its lines rather than appended to: appending logs the line, and the
        # descriptions of a large cluster do not belong in the logs.
        text = "Full node descriptions below:\n\n" + "".join(d + SEPARATOR for d in descriptions)
        full = NoteWriter(notes.name, lines=[*notes.lines, ("automation", text)])
        if len(full.render()) <= NOTE_BUDGET:
            return self._deliver(resources, full, full)
        short = NoteWriter(notes.name, lines=list(notes.lines))
        room = NOTE_BUDGET - len(short.render()) - 400
        short.automation("Node summary:\n" + "\n".join(bounded(summaries, room, "nodes")))
        short.warning(
            f"Node descriptions truncated: they take {len(full.render())} characters, more than "
            f"a PagerDuty note holds ({NOTE_BUDGET}). The full descriptions are in the "
            "backplane report."
        )
        return self._deliver(resources, full, short)

    def _deliver(self, resources: Resources, report: NoteWriter, shown: NoteWriter) -> list[Action]:
        """A backplane report of ``report`` and a PagerDuty note of ``shown``."""
        return [
            BackplaneReport(
                cluster_id=resources.cluster.id,
                summary=self.name,
                data=report.render(),
                created_at=resources.now(),
            ),
            note_from(shown),
        ]


def _select(kube: KubeRead, selection: Selection, hcp: bool, notes: NoteWriter) -> list[Node]:
    """The selected nodes, each once, in the order the original would describe them."""
    if selection.names:
        return _by_name(kube, selection.names, notes)
    if selection.selector:
        selector = parse_selector(selection.selector)
        return [n for n in _all_nodes(kube, notes) if selector.matches(n.metadata.labels)]
    if selection.everything:
        return _all_nodes(kube, notes)
    selected: dict[str, Node] = {}
    nodes = _all_nodes(kube, notes)
    for role in selection.roles:
        if role == "MASTER" and hcp:
            notes.warning(HCP_MASTER_SKIPPED)
            continue
        selector = parse_selector(ROLE_SELECTORS[role])
        for node in nodes:
            if selector.matches(node.metadata.labels):
                selected.setdefault(node.name, node)
    return list(selected.values())


def _by_name(kube: KubeRead, names: tuple[str, ...], notes: NoteWriter) -> list[Node]:
    nodes = []
    for name in names:
        try:
            obj = kube.get(KINDS["Node"], name)
        except NotFoundError:
            notes.warning(f"Node {name!r} not found")
            continue
        except ClientError as exc:
            raise InfrastructureError(f"failed to get node {name}", exc) from exc
        node = _node(obj, notes)
        if node is not None:
            nodes.append(node)
    return nodes


def _all_nodes(kube: KubeRead, notes: NoteWriter) -> list[Node]:
    try:
        objects = kube.list(KINDS["Node"])
    except ClientError as exc:
        raise InfrastructureError("failed to list nodes", exc) from exc
    return [node for node in (_node(obj, notes) for obj in objects) if node is not None]


def _node(obj: dict[str, object], notes: NoteWriter) -> Node | None:
    try:
        return Node.model_validate(obj)
    except ValidationError as exc:
        metadata = obj.get("metadata")
        name = metadata.get("name", "?") if isinstance(metadata, dict) else "?"
        notes.warning(f"Node {name!r} could not be read: {exc.error_count()} invalid fields")
        return None
