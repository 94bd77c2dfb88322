"""The report shows nothing of a stage that stands skipped, even what an earlier run of it left."""

import pandas as pd

from analysis.artifacts import ZERO_SHOT
from analysis.report.parts import Section, read_or_note
from heritage_weaver.atomic import write_table
from heritage_weaver.stages import SKIPPED
from heritage_weaver.workspace import StageOutcome, Workspace


def test_tables_of_a_skipped_stage_are_not_read_and_the_section_says_why(study_copy: Workspace):
    write_table(ZERO_SHOT.location(study_copy), pd.DataFrame({column: [] for column in ZERO_SHOT.columns}))
    section = Section("evaluations", "Model evaluations")
    assert read_or_note(study_copy, ZERO_SHOT, section) is not None

    skip = StageOutcome(SKIPPED, "no held-out record has an image", study_copy.config.section_hash())
    study_copy.record_outcome("evaluate", skip)

    assert read_or_note(study_copy, ZERO_SHOT, section) is None
    assert section.notes == ["`hw evaluate` was skipped: no held-out record has an image"]
    assert section.missing == []
