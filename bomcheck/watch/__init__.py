"""SERVE: the drop-folder service (a generic folder watcher, the BOM inbox, its folders and ledger)."""
