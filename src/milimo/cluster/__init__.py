"""Past one machine: workers that claim jobs from PostgreSQL (Ray actors or `milimo worker`), and the
replica side that wakes them, cancels through them and hears their events (docs/operations.md "Cluster")."""
