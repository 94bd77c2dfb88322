"""`hw report`: one self-contained HTML page of the whole study, plus its tables as CSV.

Every section is always present; where its inputs are missing it says which file is
missing and which verb makes it. `sections` holds the study's sections, `findings`, `limits` and
`publishable` the sections drawn from the others, `parts` what they share, and `page` puts them together.
"""

from analysis.report.page import build_report

__all__ = ["build_report"]
