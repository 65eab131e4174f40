"""The receiver's read-only web UI (``/ui``): the runs, a run's timeline, the queue and the
workers, behind the API token. See :mod:`cad.webhook.ui.access` for who may read it."""

from cad.webhook.ui.access import UiAccess
from cad.webhook.ui.pages import add_ui

__all__ = ["UiAccess", "add_ui"]
