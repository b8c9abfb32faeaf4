"""Where a search runs: its role in a distributed search (`roles`), the chief's service (`serving`),
a worker's watch on its chief (`heartbeat`), and the devices it trains on (`devices`)."""
