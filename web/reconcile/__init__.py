"""The reconciliation service of `hw serve` (W3C Entity Reconciliation Community Group, Reconciliation
Service API 0.2, as OpenRefine speaks it): the request formats (`protocol`), the calibrated
thresholds a match rests on (`thresholds`), a query's images (`images`), candidates and their
features (`matcher`), what the service says of records (`entities`), and the routes (`routes`).
"""
