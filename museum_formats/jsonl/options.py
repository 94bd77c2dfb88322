"""The options of a jsonl collection: a column mapping, whose columns are dotted paths or JMESPath
expressions into each JSON object."""

from __future__ import annotations

from typing import ClassVar, Literal, Self

from pydantic import Field, model_validator

from museum_formats.options import CollectionOptions


class JsonlOptions(CollectionOptions):
    format: Literal["jsonl"]
    column_paths: Literal["dotted", "jmespath"] = Field(
        default="dotted", description="columns are dotted paths (a.b[0].c) or JMESPath expressions"
    )

    qualified_ids: ClassVar[bool] = True

    @model_validator(mode="after")
    def _mapping(self) -> Self:
        if "record_id" not in self.columns:
            raise ValueError("a jsonl collection needs columns.record_id")
        if self.column_paths == "jmespath":
            import jmespath  # only jsonl collections that ask for JMESPath need the package
            import jmespath.exceptions

            for key, expression in self.mapped.items():
                try:
                    jmespath.compile(expression)
                except jmespath.exceptions.JMESPathError as error:
                    raise ValueError(f"{key}: not a JMESPath expression: {error}") from None
        return self
