"""`hw push --adjudication NAME`: the overlap pairs on which annotators disagree, to an adjudicator.

A pair is sent when at least two annotators' latest judgements on it are `labelled` with different
labels (of the four; a disagreement that binarises alike is still one to settle for publishing).
The adjudicator's project shows the pair as curators see it, plus the earlier labels and who gave
them, and nothing about models, scores or strata. A pair goes to adjudication once: pairs already
in an adjudication batch (of any adjudicator) are not sent again, so labels pulled later add only
new disagreements, as a new batch. Every adjudication batch the ledger knows for the adjudicator is
rebuilt from the ledger and pushed again first, so a re-run resumes an interrupted push and
creates nothing twice. `hw pull` reads the adjudicator's label into the labels table's
`adjudicated_label`, `adjudicator` and `adjudicated_at` columns.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from annotation.artifacts import LABELS, LEDGER
from annotation.interface import label_config
from annotation.ledger import Ledger, PairRow
from annotation.ledger_schema import ADJUDICATION, LABELLING
from annotation.sync import BatchReport, prepare_batches, push_prepared
from annotation.tasks import Batch, BatchError, adjudication_data
from heritage_weaver.workspace import Workspace


def disagreements(labels: pd.DataFrame) -> pd.DataFrame:
    """Pairs whose annotators' latest labels differ: pair_id and `earlier_labels` ([{annotator, label}])."""
    latest = labels[labels["is_latest"].fillna(False).astype(bool)]
    counted = latest[(latest["status"] == "labelled") & latest["label"].notna()]
    counted = counted.sort_values(["pair_id", "annotator"])
    rows = [
        {
            "pair_id": str(pair),
            "earlier_labels": [
                {"annotator": str(a), "label": str(b)} for a, b in zip(group["annotator"], group["label"])
            ],
        }
        for pair, group in counted.groupby("pair_id", sort=True)
        if group["annotator"].nunique() >= 2 and group["label"].nunique() >= 2
    ]
    return pd.DataFrame(rows, columns=["pair_id", "earlier_labels"])


def adjudication_batches(workspace: Workspace, adjudicator: str) -> list[Batch]:
    """The adjudicator's batches the ledger knows, then a new one of the disagreements not yet sent."""
    labels = LABELS.read(workspace)
    annotators = set(labels["annotator"].dropna().astype(str)) | set(workspace.config.sampling.annotators)
    if adjudicator in annotators:
        raise BatchError(
            f"--adjudication {adjudicator}: {adjudicator} is an annotator of this study; choose someone else"
        )
    ledger_path = LEDGER.location(workspace)
    if not ledger_path.is_file():
        raise BatchError(f"{ledger_path}: nothing pushed yet; run `hw push` first")
    with Ledger(ledger_path) as ledger:
        known = [
            Batch(batch_id, adjudicator, Path(source), ledger.pair_rows(batch_id), round, ADJUDICATION)
            for batch_id, source, round in ledger.batches_of(ADJUDICATION, adjudicator)
        ]
        sent = set(ledger.pairs_of_kind(ADJUDICATION))
        records = ledger.pairs_of_kind(LABELLING)
    fresh = disagreements(labels)
    fresh = fresh[~fresh["pair_id"].isin(sent) & fresh["pair_id"].isin(records)]
    if fresh.empty:
        return known
    pairs = [
        PairRow(pair_id, position, *records[pair_id], {"earlier_labels": earlier})
        for position, (pair_id, earlier) in enumerate(zip(fresh["pair_id"], fresh["earlier_labels"]))
    ]
    digest = hashlib.sha256("\n".join(p.pair_id for p in pairs).encode()).hexdigest()[:8]
    batch = Batch(
        f"{adjudicator}-adjudication-{digest}", adjudicator, LABELS.location(workspace), pairs, 0, ADJUDICATION
    )
    return [*known, batch]


def push_adjudication(
    workspace: Workspace,
    adjudicator: str,
    on_progress: Callable[[int], None] = lambda n: None,
    on_total: Callable[[int], None] = lambda n: None,
) -> list[BatchReport]:
    """Create (or complete) the adjudicator's projects on the adjudicator's own server (desk); an empty
    list when no pair disagrees."""
    if not adjudicator.strip():
        raise BatchError("--adjudication needs the adjudicator's name")
    batches = adjudication_batches(workspace, adjudicator)
    if not batches:
        return []
    prepared = prepare_batches(workspace, batches, make_task=adjudication_data)
    return push_prepared(workspace, prepared, label_config(adjudication=True), on_progress, on_total)
