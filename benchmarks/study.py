"""The whole study through `hw run`'s stages, at the published scale or a share of it, in one workspace.

    python benchmarks/study.py --scale 0.05 --model tiny           # a few minutes on a CPU
    python benchmarks/study.py --model base --train-batch-size 16  # the study, on a GPU machine

Collections (`hw demo-data`, in the real export formats): an SMG-like dump of 20,889 records with
about 31,000 images, an NMS-like CSV of 982 records with about 1,500 images, JPEGs of 224 to 800 px,
all times `--scale`. `base` is a SigLIP-base-patch16-224-shaped checkpoint with random weights in
the real on-disk format (`--model base`), or the demo's tiny SigLIP that `hw model` builds
(`--model tiny`). Training uses the study's settings (5 epochs, lr 1e-5, the study's loss
normalisation) at `--train-batch-size` (default 16, the study's). The stages are those of
`hw run --no-labelstudio` (the Python calls, one fresh view of the workspace each); after
`export` wrote the Label Studio import files, simulated annotators label every batch pair from
the demo's ground truth (as `hw simulate-labels` does through a server) and the analysis runs on
those labels.

Per stage it prints wall time, peak RSS of this process, peak memory of this process and its
worker processes together (PSS, so pages they share count once), both sampled every 0.2 s, peak
GPU memory (torch's allocator) and the GPU's busy share (NVML or nvidia-smi, sampled; N/A without
CUDA), and with `--json` writes them to a file. Asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

STUDY = {"smg_records": 20_889, "smg_images": 31_000, "nms_records": 982, "nms_images": 1_500}
IMAGE_SIZES = (224, 800)
STUDY_TRAINING = {"epochs": 5, "learning_rate": 1e-5, "loss_normalisation": '"study"'}
SIMULATE = "simulate-labels (offline)"


@dataclass
class StageFigures:
    stage: str
    state: str  # "ran", or why it did not run
    wall_s: float
    peak_rss_mib: float  # this process
    peak_tree_pss_mib: float  # this process and its workers, shared pages counted once
    peak_gpu_mib: float | None
    gpu_busy: float | None  # share of samples in which the GPU was busy, 0..1


class ResourceSampler:
    """Peak memory of this process and of its process tree, and the GPU's busy share, while running."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.peak_rss = self.peak_tree = 0
        self.busy: list[float] = []
        self._stop = threading.Event()
        self._gpu = _gpu_utilisation()

    def __enter__(self) -> ResourceSampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def _sample(self) -> None:
        self.peak_rss = max(self.peak_rss, _memory(Path("/proc/self"), "VmRSS", "status"))
        self.peak_tree = max(self.peak_tree, tree_pss(os.getpid()))
        if self._gpu is not None:
            self.busy.append(self._gpu())


def _memory(proc: Path, field: str, name: str) -> int:
    """Bytes of one `field:` line (kB) of /proc/<pid>/<name>; 0 when the process is gone."""
    try:
        for line in (proc / name).read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree_pss(root: int) -> int:
    """Proportional set size of `root` and every descendant process (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(parent, []).append(int(entry.name))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += _memory(Path(f"/proc/{pid}"), "Pss", "smaps_rollup")
        stack += children.get(pid, [])
    return total


def _gpu_utilisation():
    """A function giving the GPU's busy share now (0..1), or None without CUDA and NVML."""
    import torch

    if not torch.cuda.is_available():
        return None
    try:
        import pynvml

        pynvml.nvmlInit()
        handle = pynvml.nvmlDeviceGetHandleByIndex(torch.cuda.current_device())
        return lambda: pynvml.nvmlDeviceGetUtilizationRates(handle).gpu / 100
    except Exception:
        pass
    if shutil.which("nvidia-smi"):

        def query() -> float:
            out = subprocess.run(
                ["nvidia-smi", "--query-gpu=utilization.gpu", "--format=csv,noheader,nounits", "-i", "0"],
                capture_output=True,
                text=True,
                check=False,
            ).stdout.strip()
            return float(out.splitlines()[0]) / 100 if out else float("nan")

        return query
    return None


def set_keys(text: str, section: str, **values: object) -> str:
    """The study.toml text with `section`'s keys set (added when missing); values are TOML literals."""
    lines = text.splitlines()
    start = lines.index(f"[{section}]")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("[")), len(lines))
    body = [line for line in lines[start + 1 : end] if line.split("=")[0].strip() not in values]
    body = [f"{key} = {value}" for key, value in values.items()] + body
    return "\n".join(lines[: start + 1] + body + lines[end:]) + "\n"


def create_study(root: Path, args: argparse.Namespace):
    from demo import create_demo_study
    from heritage_weaver.workspace import Workspace

    sizes = {key: max(2, round(value * args.scale)) for key, value in STUDY.items()}
    started = time.perf_counter()
    create_demo_study(
        root,
        sizes["smg_records"],
        sizes["nms_records"],
        seed=0,
        image_size=IMAGE_SIZES,
        smg_images=sizes["smg_images"],
        nms_images=sizes["nms_images"],
        workers=args.workers,
    )
    config = root / "study.toml"
    text = config.read_text(encoding="utf-8")
    text = set_keys(text, "training", batch_size=args.train_batch_size, workers=args.workers, **STUDY_TRAINING)
    embedding = {"image_workers": args.workers}
    if args.embed_batch_size:
        embedding["batch_size"] = args.embed_batch_size
    text = set_keys(text, "embedding", **embedding)
    config.write_text(text, encoding="utf-8")
    return Workspace.open(root), sizes, time.perf_counter() - started


def build_base_model(ws) -> None:
    """In place of `hw model` (the demo's tiny base): a SigLIP-base-shaped random checkpoint, recorded as `model`."""
    from heritage_weaver.tiny_siglip import build_base_shaped_siglip
    from ingest.artifacts import RECORDS
    from training.artifacts import MODEL

    records = RECORDS.read(ws, columns=["name", "description"])
    texts = [t for column in ("name", "description") for t in records[column].tolist() if t]
    target = build_base_shaped_siglip(Path(ws.model_location("base")), texts, seed=0)
    ws.record(target, MODEL.verb, inputs=[RECORDS.path], config_sections=MODEL.sections, shape="siglip-base")


def simulate_labels_offline(ws, noise: float = 0.15) -> int:
    """Every batch pair labelled by its annotator from the demo's ground truth, into annotation/labels.parquet,
    and the reference standard (as `hw simulate-labels` writes them)."""
    import pandas as pd

    from annotation.artifacts import LABELS
    from annotation.pull import labels_table
    from demo.reference import write_reference_standard
    from demo.simulate import pair_rng, simulated_label
    from demo.truth import read_truth, simulation_comment, true_label
    from sampler.artifacts import BATCH

    truth = read_truth(ws)
    history, inputs = [], []
    stamp = pd.Timestamp.now(tz="UTC").isoformat()
    for path in BATCH.instances(ws):
        batch = pd.read_parquet(path)
        inputs.append(str(ws.relative(path)))
        for row in batch.itertuples(index=False):
            rng = pair_rng(ws.config.study.seed, row.annotator, row.pair_id)
            correct = true_label(truth[(row.collection_a, row.record_a)], truth[(row.collection_b, row.record_b)])
            history.append(
                {
                    "kind": "annotation",
                    "ls_id": len(history) + 1,
                    "pair_id": row.pair_id,
                    "annotator": row.annotator,
                    "label": simulated_label(correct, noise, rng),
                    "status": "labelled",
                    "comment": simulation_comment(row.annotator, noise),
                    "created_at": stamp,
                    "updated_at": stamp,
                    "lead_time": float(rng.uniform(5, 60)),
                }
            )
    LABELS.write(ws, labels_table(history), inputs=inputs, server="none (benchmarks/study.py)")
    write_reference_standard(ws, noise)
    return len(history)


def run_stages(ws, model: str, sampler_interval: float) -> list[StageFigures]:
    import torch

    from heritage_weaver.progress import SILENT
    from heritage_weaver.stages import READY
    from heritage_weaver.workspace import Workspace
    from hw_cli.stages import plan

    cuda = torch.cuda.is_available()
    figures = []
    steps = [
        (verb.name, verb.stage, lambda ws, progress, stage=verb.stage: stage.run(ws, progress, stage.defaults))
        for verb in plan(labelstudio=False)
    ]
    export = next(i for i, (verb, _, _) in enumerate(steps) if verb == "export")
    steps.insert(export + 1, (SIMULATE, None, lambda ws, progress: simulate_labels_offline(ws)))
    if model == "base":
        index = next(i for i, (verb, _, _) in enumerate(steps) if verb == "model")
        steps[index] = ("model (SigLIP-base shape)", None, lambda ws, progress: build_base_model(ws))
    for verb, stage, run in steps:
        ws = Workspace.open(ws.root)  # a fresh view: earlier stages wrote what this one reads
        state = READY if stage is None else stage.state(ws)
        if state != READY:
            figures.append(StageFigures(verb, state, 0.0, 0.0, 0.0, None, None))
            print(f"{verb:>26}: {state}", flush=True)
            continue
        if cuda:
            torch.cuda.reset_peak_memory_stats()
        started = time.perf_counter()
        with ResourceSampler(sampler_interval) as resources:
            run(ws, SILENT)
        if cuda:
            torch.cuda.synchronize()
        wall = time.perf_counter() - started
        busy = sum(resources.busy) / len(resources.busy) if resources.busy else None
        row = StageFigures(
            verb,
            "ran",
            wall,
            resources.peak_rss / 2**20,
            resources.peak_tree / 2**20,
            torch.cuda.max_memory_allocated() / 2**20 if cuda else None,
            busy,
        )
        figures.append(row)
        print(
            f"{verb:>26}: {wall:8.1f} s  peak RSS {row.peak_rss_mib:6,.0f} MiB  with workers (PSS) "
            f"{row.peak_tree_pss_mib:6,.0f} MiB  {_gpu_text(row)}",
            flush=True,
        )
    return figures


def _gpu_text(row: StageFigures) -> str:
    memory = "N/A" if row.peak_gpu_mib is None else f"{row.peak_gpu_mib:,.0f} MiB"
    busy = "N/A" if row.gpu_busy is None else f"{row.gpu_busy:.0%}"
    return f"peak GPU memory {memory}  GPU busy {busy}"


def machine() -> str:
    import torch

    text = (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__} "
        f"({torch.get_num_threads()} threads), Python {platform.python_version()}"
    )
    if torch.cuda.is_available():
        text += f", {torch.cuda.get_device_name()}"
    return text


def counts(ws) -> dict:
    """What the study held: records, units per modality and collection, training pairs, links, labels."""
    import pandas as pd

    from annotation.artifacts import LABELS
    from ingest.artifacts import RECORDS
    from sampler.artifacts import LINKS
    from training.artifacts import PAIRS

    result: dict = {"records": RECORDS.read(ws, columns=["collection"])["collection"].value_counts().to_dict()}
    units_path = ws.path("embeddings", "base", "units.parquet")
    if units_path.is_file():
        units = pd.read_parquet(units_path, columns=["collection", "modality"])
        result["units"] = {f"{c}/{m}": int(n) for (c, m), n in units.value_counts().sort_index().items()}
    for name, artifact in (("training pairs", PAIRS), ("links", LINKS), ("labels", LABELS)):
        if artifact.exists(ws):
            result[name] = len(artifact.read(ws, columns=artifact.columns[:1]))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="share of the study's record and image counts")
    parser.add_argument("--model", choices=("tiny", "base"), default="base")
    parser.add_argument("--train-batch-size", type=int, default=16, help="the study's is 16")
    parser.add_argument("--embed-batch-size", type=int, default=None, help="default: per device (siglip.py)")
    parser.add_argument("--workers", type=int, default=min(8, os.cpu_count() or 1), help="data and image workers")
    parser.add_argument("--workspace", type=Path, default=None, help="keep the study here (default: a temporary one)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures to this file")
    parser.add_argument("--sample-every", type=float, default=0.2, help="seconds between resource samples")
    args = parser.parse_args()

    scratch = None if args.workspace else tempfile.TemporaryDirectory()
    root = args.workspace or Path(scratch.name) / "study"
    if root.exists() and any(root.iterdir()):
        parser.error(f"{root} is not empty")
    try:
        print(f"machine: {machine()}", flush=True)
        ws, sizes, data_seconds = create_study(root, args)
        print(
            f"study: {sizes} × scale {args.scale}, JPEGs {IMAGE_SIZES[0]}-{IMAGE_SIZES[1]} px, model {args.model}, "
            f"training: 5 epochs, lr 1e-5, batch {args.train_batch_size}; {args.workers} workers; "
            f"demo data and base model written in {data_seconds:.1f} s (not a stage)",
            flush=True,
        )
        started = time.perf_counter()
        figures = run_stages(ws, args.model, args.sample_every)
        total = time.perf_counter() - started
        held = counts(ws)
        print(f"{'all stages':>26}: {total:8.1f} s")
        print(f"study held: {held}")
        if args.json:
            args.json.write_text(
                json.dumps(
                    {
                        "machine": machine(),
                        "arguments": {k: str(v) for k, v in vars(args).items()},
                        "sizes": sizes,
                        "data_seconds": data_seconds,
                        "total_seconds": total,
                        "held": held,
                        "stages": [asdict(f) for f in figures],
                    },
                    indent=2,
                )
            )
    finally:
        if scratch is not None:
            scratch.cleanup()


if __name__ == "__main__":
    main()
