"""The durable store: webhook deliveries, runs, action records (the executor's ledger)."""

from cad.store.budget import StoreWriteBudget
from cad.store.db import ClaimedDelivery, Store
from cad.store.ledger import DurableLedger, current_run
from cad.store.migrate import downgrade, migrated, upgrade

__all__ = [
    "ClaimedDelivery",
    "DurableLedger",
    "Store",
    "StoreWriteBudget",
    "current_run",
    "downgrade",
    "migrated",
    "upgrade",
]
