"""Ingest of generated LIDO XML (default 100,000 records in 10 files): wall time and peak memory.

.venv/bin/python benchmarks/bench_ingest_lido.py [--records 100000] [--files 10]

Each record is LIDO 1.0 as aggregators receive it: a title in two languages, a work type and a
classification with concept URIs, two description sets, a production event (maker, date,
material) and two resource sets of a thumbnail and a master with stated pixel sizes. Prints
figures; asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from heritage_weaver.workspace import Workspace
from ingest import ingest_collections

CONFIG = """[study]
name = "bench"
[models]
base = "google/siglip-base-patch16-224"
[[collections]]
name = "lido"
format = "lido"
path = "data"
fields = { maker = "maker", date = "date", material = "material", work_type_uri = "work_type_uri" }
"""
WORK_TYPES = [("Kanne", "jug", "300041273"), ("Münze", "coin", "300037222"), ("Gemälde", "painting", "300033618")]
RECORD = """<lido:lido><lido:lidoRecID lido:type="local">DE-BENCH/{n}</lido:lidoRecID>
<lido:descriptiveMetadata xml:lang="de"><lido:objectClassificationWrap><lido:objectWorkTypeWrap><lido:objectWorkType>
<lido:conceptID lido:type="uri">http://vocab.getty.edu/aat/{aat}</lido:conceptID><lido:term>{de}</lido:term>
<lido:term xml:lang="en">{en}</lido:term></lido:objectWorkType></lido:objectWorkTypeWrap><lido:classificationWrap>
<lido:classification><lido:term xml:lang="en">Collection {group}</lido:term></lido:classification></lido:classificationWrap>
</lido:objectClassificationWrap><lido:objectIdentificationWrap><lido:titleWrap><lido:titleSet>
<lido:appellationValue lido:pref="preferred">{de} Nr. {n}</lido:appellationValue>
<lido:appellationValue lido:pref="preferred" xml:lang="en">{en} no. {n}</lido:appellationValue></lido:titleSet>
</lido:titleWrap><lido:objectDescriptionWrap><lido:objectDescriptionSet>
<lido:descriptiveNoteValue>Ein {de} aus der Sammlung {group}, inventarisiert als Nummer {n}.</lido:descriptiveNoteValue>
<lido:descriptiveNoteValue xml:lang="en">A {en} from collection {group}, inventoried as number {n}.</lido:descriptiveNoteValue>
</lido:objectDescriptionSet><lido:objectDescriptionSet><lido:descriptiveNoteValue xml:lang="en">Acquired in {year}.</lido:descriptiveNoteValue>
</lido:objectDescriptionSet></lido:objectDescriptionWrap></lido:objectIdentificationWrap><lido:eventWrap><lido:eventSet>
<lido:event><lido:eventType><lido:conceptID lido:type="uri">http://terminology.lido-schema.org/lido00007</lido:conceptID>
<lido:term xml:lang="en">Production</lido:term></lido:eventType><lido:eventActor><lido:actorInRole><lido:actor>
<lido:nameActorSet><lido:appellationValue lido:pref="preferred">Maker {group}</lido:appellationValue></lido:nameActorSet>
</lido:actor></lido:actorInRole></lido:eventActor><lido:eventDate><lido:displayDate>{year}</lido:displayDate></lido:eventDate>
<lido:eventMaterialsTech><lido:materialsTech><lido:termMaterialsTech lido:type="material"><lido:term xml:lang="en">pewter</lido:term>
</lido:termMaterialsTech></lido:materialsTech></lido:eventMaterialsTech></lido:event></lido:eventSet></lido:eventWrap>
</lido:descriptiveMetadata><lido:administrativeMetadata xml:lang="en"><lido:resourceWrap>{sets}</lido:resourceWrap>
</lido:administrativeMetadata></lido:lido>
"""
RESOURCE_SET = """<lido:resourceSet lido:sortorder="{side}"><lido:resourceRepresentation lido:type="image_thumb">
<lido:linkResource lido:formatResource="image/jpeg">https://images.example.org/thumb/{n}-{side}.jpg</lido:linkResource>
<lido:resourceMeasurementsSet><lido:measurementType>width</lido:measurementType><lido:measurementUnit>pixel</lido:measurementUnit>
<lido:measurementValue>300</lido:measurementValue></lido:resourceMeasurementsSet></lido:resourceRepresentation>
<lido:resourceRepresentation lido:type="image_master"><lido:linkResource lido:formatResource="image/jpeg">https://images.example.org/master/{n}-{side}.jpg</lido:linkResource>
<lido:resourceMeasurementsSet><lido:measurementType>width</lido:measurementType><lido:measurementUnit>pixel</lido:measurementUnit>
<lido:measurementValue>4000</lido:measurementValue></lido:resourceMeasurementsSet></lido:resourceRepresentation>
<lido:resourceType><lido:term>digital image</lido:term></lido:resourceType></lido:resourceSet>"""


def write_lido(folder: Path, records: int, files: int) -> int:
    """`records` records spread over `files` lidoWrap files; returns the bytes written."""
    folder.mkdir(parents=True)
    per_file = -(-records // files)
    written = 0
    for index in range(files):
        path = folder / f"page-{index:04d}.xml"
        with path.open("w", encoding="utf-8") as handle:
            handle.write(
                '<?xml version="1.0" encoding="UTF-8"?>\n<lido:lidoWrap xmlns:lido="http://www.lido-schema.org">\n'
            )
            for n in range(index * per_file, min((index + 1) * per_file, records)):
                de, en, aat = WORK_TYPES[n % len(WORK_TYPES)]
                sets = "".join(RESOURCE_SET.format(n=n, side=side) for side in (1, 2))
                handle.write(RECORD.format(n=n, de=de, en=en, aat=aat, group=n % 97, year=1800 + n % 200, sets=sets))
            handle.write("</lido:lidoWrap>\n")
        written += path.stat().st_size
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        started = time.perf_counter()
        size = write_lido(root / "data", args.records, args.files)
        generated = time.perf_counter() - started
        (root / "study.toml").write_text(CONFIG)
        workspace = Workspace.open(root)
        started, cpu = time.perf_counter(), time.process_time()
        result = ingest_collections(workspace)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        counts = result.counts[0]
        print(
            f"LIDO: {args.records:,} records in {args.files} files, {size / 2**20:.1f} MiB (generated in {generated:.1f} s)"
        )
        print(
            f"ingest: {elapsed:.2f} s wall ({cpu:.2f} s CPU), {counts.rows / elapsed:,.0f} records/s, {counts.accepted:,} accepted, "
            f"{counts.rejected:,} rejected, {counts.images:,} images, "
            f"{counts.values_read:,} values = {counts.values_kept:,} kept + {counts.values_dropped:,} dropped"
        )
        print(f"peak RSS: {peak_mib:,.0f} MiB")


if __name__ == "__main__":
    main()
