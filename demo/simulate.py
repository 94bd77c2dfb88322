"""The demo's simulated annotators: they judge from the demo's hidden ground truth, with noise, and
write their labels into each desk's Label Studio through a curator account of their own, as a
curator would (the study then pulls them like any curator's).

Every simulated annotation says so in its comment, so it can never pass for a curator's judgement.
"""

from __future__ import annotations

import hashlib
import json
import secrets

import numpy as np
import pandas as pd

from annotation import server
from annotation.artifacts import LABEL_VALUES, LEDGER
from annotation.client import Connection, connect
from annotation.invite import invite
from annotation.ledger import Ledger
from demo.artifacts import DEMO_TRUTH
from demo.truth import read_truth, simulation_comment, true_label
from heritage_weaver import atomic
from heritage_weaver.workspace import Workspace


def simulated_curator(workspace: Workspace, desk: str) -> Connection:
    """The desk's simulated curator, invited on first use, so simulated labels are written through a
    curator's account as real ones are (its token is kept, 0600, in the desk's server folder)."""
    saved = server.Desk(workspace, desk).server_dir / "simulated-curator.json"
    if not saved.is_file():
        made = invite(workspace, desk, f"simulated-{desk.lower()}@heritage-weaver.invalid", secrets.token_urlsafe(16))
        atomic.write_json(saved, {"email": made.email, "user_id": made.user_id, "token": made.token})
        saved.chmod(0o600)
    account = json.loads(saved.read_text(encoding="utf-8"))
    with Ledger(LEDGER.location(workspace)) as ledger:  # a ledger started afresh still knows its curator
        ledger.add_account(desk, account["user_id"], account["email"])
    return Connection(connect(workspace, desk).url, account["token"], desk=desk)


def simulated_label(truth: str, noise: float, rng: np.random.Generator) -> str:
    """The true label, or with probability `noise` one of the other three."""
    if rng.random() >= noise:
        return truth
    others = [label for label in LABEL_VALUES if label != truth]
    return others[int(rng.integers(len(others)))]


def pair_rng(seed: int, annotator: str, pair_id: str) -> np.random.Generator:
    digest = hashlib.sha256(f"{seed}/{annotator}/{pair_id}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def simulate(workspace: Workspace, noise: float = 0.15, seed: int | None = None) -> pd.DataFrame:
    """Post one simulated annotation to every pushed task that has none yet, through each desk's
    simulated curator account; returns what was posted."""
    if not 0 <= noise <= 1:
        raise ValueError(f"noise must lie between 0 and 1, got {noise}")
    seed = workspace.config.study.seed if seed is None else seed
    truth = read_truth(workspace)
    with Ledger(LEDGER.location(workspace)) as ledger:
        pairs = {
            (batch_id, pair_id): (record_a, collection_a, record_b, collection_b)
            for batch_id, pair_id, record_a, collection_a, record_b, collection_b in ledger.db.execute(
                "SELECT batch_id, pair_id, record_a, collection_a, record_b, collection_b FROM pairs"
            )
        }
        projects = [project for project in ledger.projects() if not project.lost_at]
        tasks = {project.batch_id: ledger.task_pairs(project.batch_id, project.project_id) for project in projects}
    posted = []
    desks = {
        desk: (connect(workspace, desk), simulated_curator(workspace, desk)) for desk in {p.annotator for p in projects}
    }
    for project in projects:
        connection, curator = desks[project.annotator]
        annotated = {
            task["id"]
            for task in connection.tasks(
                project.project_id, fields="all", include="id,total_annotations,cancelled_annotations"
            )
            if task.get("total_annotations", 0) + task.get("cancelled_annotations", 0) > 0
        }
        for pair_id, task_id in sorted(tasks[project.batch_id].items(), key=lambda item: item[1]):
            if task_id in annotated:
                continue
            record_a, collection_a, record_b, collection_b = pairs[(project.batch_id, pair_id)]
            side_a, side_b = truth.get((collection_a, record_a)), truth.get((collection_b, record_b))
            if side_a is None or side_b is None:
                raise KeyError(
                    f"pair {pair_id}: {collection_a}/{record_a} or {collection_b}/{record_b} not in {DEMO_TRUTH.path}"
                )
            rng = pair_rng(seed, project.annotator, pair_id)
            correct = true_label(side_a, side_b)
            label = simulated_label(correct, noise, rng)
            comment = simulation_comment(project.annotator, noise)
            body = {
                "result": [
                    {
                        "from_name": "label",
                        "to_name": "description_a",
                        "type": "choices",
                        "value": {"choices": [label]},
                    },
                    {
                        "from_name": "comment",
                        "to_name": "description_a",
                        "type": "textarea",
                        "value": {"text": [comment]},
                    },
                ],
                "lead_time": float(rng.uniform(5, 60)),
            }
            curator.annotate(task_id, body)
            posted.append(
                {
                    "annotator": project.annotator,
                    "pair_id": pair_id,
                    "task_id": task_id,
                    "true_label": correct,
                    "label": label,
                }
            )
    return pd.DataFrame(posted, columns=["annotator", "pair_id", "task_id", "true_label", "label"])
