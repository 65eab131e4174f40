"""The durable store: the delivery queue, the run history, the executor's ledger, the budget,
the shared rate budgets."""

from cad.store.budget import StoreWriteBudget
from cad.store.db import ClaimedDelivery, Store
from cad.store.deliveries import DeliveryQueue
from cad.store.history import RunAction, RunHistory, RunRecord, RunStep
from cad.store.ledger import DurableLedger, current_run
from cad.store.migrate import downgrade, migrated, upgrade
from cad.store.ratelimit import StoreRateBuckets

__all__ = [
    "ClaimedDelivery",
    "DeliveryQueue",
    "DurableLedger",
    "RunAction",
    "RunHistory",
    "RunRecord",
    "RunStep",
    "Store",
    "StoreRateBuckets",
    "StoreWriteBudget",
    "current_run",
    "downgrade",
    "migrated",
    "upgrade",
]
