"""Any CSV export (`format = "csv"`): a column mapping onto the record fields, and tables joined to
the objects as relational open-data dumps ship them (see `reader` and `joins`)."""

from museum_formats.csv.options import CsvOptions
from museum_formats.csv.reader import read_csv
from museum_formats.format import Format

FORMAT = Format("csv", CsvOptions, (), read_csv)
