"""Two collections in the shapes museums export them, made from the demo's catalogue text.

- `museum`: a folder of per-object JSON files, nested (`identifier.value`, `titles[0].text`,
  `classification.name`), with image references that no machine here can fetch;
- `gallery`: a relational CSV export, an objects table joined on its object id to a table of
  description paragraphs, written in Windows-1252 with a byte-order-less header and `NULL` cells.

`images_per_collection` local pictures (the demo's own drawings) are attached to the first records
of each collection; 0 gives a text-only study. The demo's hidden truth comes along as
`data/ground_truth.csv`, so the study can simulate its curators' labels.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd

from demo import create_demo_study
from heritage_weaver.tiny_siglip import build_tiny_siglip

UNREACHABLE_IMAGES = "https://images.museum.invalid/objects/"


def _museum_files(demo: Path, folder: Path, images: int) -> None:
    folder.mkdir(parents=True)
    for number, line in enumerate((demo / "data" / "smg.jsonl").read_text().splitlines()):
        source = json.loads(line)["_source"]
        identifier = json.loads(line)["_id"]
        local = [m["processed"]["medium"]["location"] for m in source.get("multimedia", [])][:1]
        obj = {
            "identifier": {"scheme": "accession", "value": identifier},
            "titles": [{"text": source["name"][0]["value"], "type": "full"}],
            "classification": {"name": source["categories"][0]["name"]},
            "description": (source.get("description") or [{"value": None}])[0]["value"],
            "media": [{"uri": f"{UNREACHABLE_IMAGES}{identifier}.jpg"}] if number >= images else [{"uri": local[0]}],
        }
        (folder / f"{identifier}.json").write_text(json.dumps(obj, indent=2))


def _gallery_tables(demo: Path, data: Path, images: int) -> None:
    nms = pd.read_csv(demo / "data" / "nms.csv", dtype=str, keep_default_na=False)
    first_image = nms["media.reference"].str.split("|").str[0]
    objects = pd.DataFrame(
        {
            "ObjectID": nms["object_number"],
            "Title": nms["object_name"],
            "Department": nms["object_category"].replace("", "NULL"),
            "Image": [image if number < images else "NULL" for number, image in enumerate(first_image)],
        }
    )
    paragraphs = nms["description"].str.split(". ").explode().loc[lambda s: s.str.len() > 0]
    texts = pd.DataFrame({"ObjectID": nms.loc[paragraphs.index, "object_number"], "Text": paragraphs.values})
    texts.insert(1, "Seq", texts.groupby("ObjectID").cumcount() + 1)
    objects.to_csv(data / "gallery_objects.csv", index=False, encoding="cp1252")
    texts.iloc[::-1].to_csv(data / "gallery_texts.csv", index=False, encoding="cp1252")


def _truth(demo: Path, data: Path) -> None:
    truth = pd.read_csv(demo / "data" / "ground_truth.csv", dtype=str)
    truth["collection"] = truth["collection"].map({"smg": "museum", "nms": "gallery"})
    truth.loc[truth["collection"] == "gallery", "record_id"] = "gallery:" + truth["record_id"]
    truth.loc[truth["collection"] == "museum", "record_id"] = "museum:" + truth["record_id"]
    truth.to_csv(data / "ground_truth.csv", index=False)


COLLECTIONS = """
[[collections]]
name = "museum"
format = "jsonl"
path = "data/museum"
[collections.columns]
record_id = "identifier.value"
name = "titles[0].text"
description = "description"
category = "classification.name"
images = "media[0].uri"

[[collections]]
name = "gallery"
format = "csv"
path = "data/gallery_objects.csv"
encoding = "cp1252"
[collections.columns]
record_id = "ObjectID"
name = "Title"
category = "Department"
images = "Image"
[[collections.joins]]
path = "data/gallery_texts.csv"
on = "ObjectID"
order_by = "Seq"
columns = { description = "Text" }
"""


def write_own_study(root: Path, images_per_collection: int, labelstudio_url: str, seed: int = 0) -> Path:
    """A study folder of the two collections, a tiny base model in models/base, and its study.toml."""
    demo = create_demo_study(root / "demo-source", smg_records=120, nms_records=60, seed=seed).root
    data = root / "study" / "data"
    _museum_files(demo, data / "museum", images_per_collection)
    _gallery_tables(demo, data, images_per_collection)
    _truth(demo, data)
    shutil.copytree(demo / "data" / "images" / "nms", data / "images" / "nms")
    shutil.copytree(demo / "data" / "images" / "smg", data / "museum" / "images" / "smg")
    texts = pd.concat([pd.read_csv(demo / "data" / "nms.csv")["description"].dropna(), pd.Series(["museum"])])
    build_tiny_siglip(root / "study" / "models" / "base", texts.tolist(), seed=seed)
    config = f"""[study]
name = "own"
seed = {seed}
simulation = true
{COLLECTIONS}
[models]
base = "models/base"
ft-last = "models/ft-last"
ft-best = "models/ft-best"

[training]
epochs = 1
batch_size = 8

[sampling]
annotators = ["A01", "A02"]
per_annotator = 12

[labelstudio]
url = "{labelstudio_url}"
"""
    (root / "study" / "study.toml").write_text(config)
    return root / "study"
